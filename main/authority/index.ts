export type { Authority, AuthorityAct, AuthoritySigner } from './types.js';
export { DevnetAdminAuthority, DEVNET_ADMIN_UNAVAILABLE } from './devnet-admin.js';
export { OperatorKeyAuthority, type OperatorKey } from './operator-key.js';
export { GovernanceAuthority } from './governance.js';
