/**
 * gobgpd's gRPC address in the speaker pod: loopback only (never all interfaces: the API is
 * unauthenticated). Kept apart from client.ts so the CLI can show it without loading gRPC.
 */
export const DEFAULT_GOBGP_ADDRESS = '127.0.0.1:50051';
