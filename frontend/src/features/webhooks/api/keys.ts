// Query keys of webhooks.
export const webhookKeys = {
  all: ["webhooks"] as const,
  eventTypes: ["webhooks", "event-types"] as const,
  endpoints: ["webhooks", "endpoints"] as const,
  deliveries: (endpointId: string) => ["webhooks", "deliveries", endpointId] as const,
  delivery: (endpointId: string, deliveryId: string) => ["webhooks", "deliveries", endpointId, deliveryId] as const,
};
