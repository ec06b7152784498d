/** Why a file could not be decoded, as one line for the errors CSV. */
export class DecodeError extends Error {}
