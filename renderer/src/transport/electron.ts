import type { EventName, MethodName, MethodOutput } from '../../../core/contract/index.js';
import { ContractCallError, type CharterBridge, type HostConnection, type RendererClient } from './types.js';

/** The contract over Electron's preload bridge (window.charter). */
export function createElectronClient(bridge: CharterBridge): RendererClient {
  const open: HostConnection = { state: 'open' };
  return {
    kind: 'electron',
    async call(method, input) {
      const fn = bridge.methods[method as MethodName];
      if (typeof fn !== 'function') {
        throw new ContractCallError({
          code: 'UNKNOWN_METHOD',
          message: `The host does not offer ${method}.`,
          hint: 'See core/contract for the list of operations.',
        });
      }
      const result = await fn(input);
      if (result.ok) return result.value as MethodOutput<typeof method>;
      throw new ContractCallError(result.error);
    },
    on(event, listener) {
      return bridge.on(event as EventName, listener as (payload: unknown) => void);
    },
    connection: () => open,
    onConnection: () => () => {},
    reconnect: () => {},
  };
}
