// Worker bootstrap: registers the TypeScript loader, then runs the renderer worker.
import { register } from 'tsx/esm/api';

register();
await import('./dataset-worker.ts');
