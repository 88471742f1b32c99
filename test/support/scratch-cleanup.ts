// A setup file: vitest runs it in every test file's module graph, so this is the files' own list.
import { afterAll } from 'vitest';
import { removeScratchDirs } from './scratch-dir';

afterAll(removeScratchDirs);
