// Entry of the freeze watchdog process (see freezeWatchdog.ts); the freezer starts it with node.
import { runWatchdog } from './freezeWatchdog';

runWatchdog();
