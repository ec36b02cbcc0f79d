// Pieces of URL patterns the settings schemas share (the softphone's WebSocket,
// SIP and ICE addresses, the update folder). No URL global in src-shared (no
// DOM, no Node): strict patterns instead, as regular-expression source text.

/** A DNS name (labels of at most 63 characters) or a bracketed IP literal. */
export const HOST = String.raw`(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])`;
/** An optional `:port`. */
export const PORT = String.raw`(?::[0-9]{1,5})?`;
