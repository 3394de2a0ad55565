import type { Command } from 'commander';
export function registerEvalCommand(_program: Command): void {}
