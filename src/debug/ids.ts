// The ids the heaplens debugger contributes in package.json (command and launch.json variable), in one place.
// The debug type itself is part of the DAP contract: src/protocol/dap.ts DEBUG_TYPE.

/** Lists the running .NET processes and returns the chosen pid as text; usable as `${command:PickProcess}`. */
export const PICK_PROCESS_COMMAND = 'heaplens.pickDotnetProcess';
/** The launch.json variable name package.json maps to PICK_PROCESS_COMMAND. */
export const PICK_PROCESS_VARIABLE = 'PickProcess';
