// The one error type the debug session shows to the user as it is: an id from the DAP contract and a one-line
// message that says what happened and what to do. Anything else that escapes is reported as an internal error.
import { AdapterErrorId } from '../protocol/dap';

export class UserError extends Error {
  constructor(
    readonly id: AdapterErrorId,
    message: string,
  ) {
    super(message);
    this.name = 'UserError';
  }
}
