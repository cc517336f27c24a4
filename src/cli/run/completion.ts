/**
 * The body of `flagops completion`: the commands and their long options, read from the program,
 * written as the shell's completion script.
 */
import type { Command } from 'commander';
import { ConfigError } from '../../config/errors.js';

interface CommandWords {
  name: string;
  description: string;
  options: string[];
}

function words(program: Command): CommandWords[] {
  return program.commands.map((command) => ({
    name: command.name(),
    description: command.description().split('\n')[0] ?? '',
    options: [...command.options.map((o) => o.long).filter((o): o is string => Boolean(o)), '--help'],
  }));
}

/** Single-quoted for a POSIX shell. */
const quoted = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

function bash(commands: CommandWords[]): string {
  const cases = commands.map((c) => `    ${c.name}) opts=${quoted(c.options.join(' '))} ;;`).join('\n');
  return `# bash completion for flagops (flagops completion bash)
_flagops() {
  local cur=\${COMP_WORDS[COMP_CWORD]} opts
  if [[ \${COMP_CWORD} -eq 1 ]]; then
    COMPREPLY=($(compgen -W ${quoted([...commands.map((c) => c.name), '--help', '--version'].join(' '))} -- "\${cur}"))
    return
  fi
  case \${COMP_WORDS[1]} in
${cases}
    *) opts='' ;;
  esac
  COMPREPLY=($(compgen -W "\${opts}" -- "\${cur}"))
}
complete -o default -F _flagops flagops
`;
}

function zsh(commands: CommandWords[]): string {
  const list = commands.map((c) => `    ${quoted(`${c.name}:${c.description.replace(/:/g, '\\:')}`)}`).join('\n');
  const cases = commands.map((c) => `    ${c.name}) _values 'option' ${c.options.map(quoted).join(' ')} ;;`).join('\n');
  return `#compdef flagops
# zsh completion for flagops (flagops completion zsh)
_flagops() {
  local -a commands
  commands=(
${list}
  )
  if (( CURRENT == 2 )); then
    _describe 'command' commands
    return
  fi
  case \${words[2]} in
${cases}
  esac
}
_flagops "$@"
`;
}

function fish(commands: CommandWords[]): string {
  const lines = commands.flatMap((c) => [
    `complete -c flagops -n __fish_use_subcommand -a ${c.name} -d ${quoted(c.description)}`,
    ...c.options.map((o) => `complete -c flagops -n '__fish_seen_subcommand_from ${c.name}' -l ${o.replace(/^--/, '')}`),
  ]);
  return `# fish completion for flagops (flagops completion fish)
complete -c flagops -f
${lines.join('\n')}
`;
}

/** Print the script for `shell`. @throws ConfigError for a shell it does not know. */
export function printCompletion(program: Command, shell: string): Promise<number> {
  const writers: Record<string, (commands: CommandWords[]) => string> = { bash, zsh, fish };
  const write = writers[shell];
  if (!write) throw new ConfigError(`completion: unknown shell ${JSON.stringify(shell)} (expected bash, zsh or fish)`);
  process.stdout.write(write(words(program)));
  return Promise.resolve(0);
}
