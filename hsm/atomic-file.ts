// Moved to base/node/files.ts (hsm/ and main/ share it); this path keeps old imports working.
export * from '../base/node/files.js';
