import { runGroup } from '../groups.ts';

await runGroup(4);
