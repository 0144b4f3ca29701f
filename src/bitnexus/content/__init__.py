"""AI marketing content: posts for a product on a platform, embedding the affiliate's link."""
