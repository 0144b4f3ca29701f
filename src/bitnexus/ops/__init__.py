"""Operations: health checks and the development mailbox."""
