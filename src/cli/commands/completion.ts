/**
 * `flagops completion bash|zsh|fish`: a completion script for the shell, generated from the
 * program's own commands and options, so it never lists a command that does not exist.
 */
import type { Command } from 'commander';
import { lazyAction } from '../action.js';

export function registerCompletionCommand(program: Command): void {
  program
    .command('completion')
    .description('Print a shell completion script (bash, zsh or fish)')
    .argument('<shell>', 'bash, zsh or fish')
    .addHelpText(
      'after',
      `
Install it once:
  bash: flagops completion bash > ~/.local/share/bash-completion/completions/flagops
  zsh:  flagops completion zsh > "\${fpath[1]}/_flagops"
  fish: flagops completion fish > ~/.config/fish/completions/flagops.fish
Exit codes: 0 printed; 2 an unknown shell.`,
    )
    .action(lazyAction(() => import('../run/completion.js'), (m, shell: string) => m.printCompletion(program, shell)));
}
