import type { CommandDefinition, OptionSpec } from '../core/command.js';

export const SHELLS = ['bash', 'zsh', 'fish', 'powershell'] as const;
export type Shell = (typeof SHELLS)[number];

/**
 * What a shell can offer after the words typed so far, from the command table: the next words
 * (subcommands), a command's flags, and a flag's choices. Paths are the words joined by spaces.
 */
export interface CompletionTree {
  words: Map<string, string[]>;
  flags: Map<string, string[]>;
  /** Keyed by `<path> <flag>`. */
  values: Map<string, string[]>;
}

/** `-y, --yes` → `-y`, `--yes`; `--path <dir>` → `--path`. */
export function flagNames(spec: OptionSpec): string[] {
  return spec.flags.split(/[ ,|]+/).filter((part) => part.startsWith('-'));
}

export function completionTree(commands: readonly CommandDefinition[], groups: readonly { path: readonly string[] }[], shared: { flags: readonly OptionSpec[]; rootFlags: readonly string[] }): CompletionTree {
  const words = new Map<string, string[]>([['', []]]);
  const flags = new Map<string, string[]>([['', [...shared.rootFlags]]]);
  const values = new Map<string, string[]>();
  const addWord = (parent: readonly string[], word: string) => {
    const key = parent.join(' ');
    const known = words.get(key) ?? [];
    if (!known.includes(word)) words.set(key, [...known, word]);
  };
  const addPath = (path: readonly string[]) => path.forEach((word, index) => addWord(path.slice(0, index), word));
  for (const definition of commands.filter((candidate) => !candidate.hidden)) {
    addPath(definition.path);
    const parent = definition.path.slice(0, -1);
    const specs = [...definition.options, ...(definition.options.some((spec) => spec.flags === '--json') ? [] : [{ flags: '--json', description: '' }]), ...shared.flags];
    for (const name of [definition.path.at(-1) ?? '', ...(definition.aliases ?? [])]) {
      const path = [...parent, name];
      if (name !== definition.path.at(-1)) addWord(parent, name);
      flags.set(path.join(' '), [...specs.flatMap(flagNames), '--help']);
      for (const spec of specs) if (spec.choices) for (const flag of flagNames(spec)) values.set(`${path.join(' ')} ${flag}`, [...spec.choices]);
    }
  }
  // After the commands, so words come in the table's order.
  for (const group of groups) {
    addPath(group.path);
    flags.set(group.path.join(' '), ['--help']);
  }
  return { words, flags, values };
}

const quote = (text: string) => `'${text.replace(/'/g, "'\\''")}'`;

function bashCase(name: string, table: Map<string, string[]>): string {
  const arms = [...table].map(([key, list]) => `    ${quote(key)}) echo ${quote(list.join(' '))};;`);
  return `${name}() {\n  case "$1" in\n${arms.join('\n')}\n  esac\n}`;
}

function bashScript(tree: CompletionTree, program: string): string {
  const fn = `_${program.replace(/\W/g, '_')}`;
  return `${bashCase(`${fn}_words`, tree.words)}
${bashCase(`${fn}_flags`, tree.flags)}
${bashCase(`${fn}_values`, tree.values)}
${fn}() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}" path='' word child i values
  for ((i = 1; i < COMP_CWORD; i++)); do
    word="\${COMP_WORDS[i]}"
    for child in $(${fn}_words "$path"); do
      if [[ "$child" == "$word" ]]; then path="\${path:+$path }$word"; break; fi
    done
  done
  values="$(${fn}_values "$path $prev")"
  if [[ -n "$values" ]]; then COMPREPLY=($(compgen -W "$values" -- "$cur"))
  elif [[ "$cur" == -* ]]; then COMPREPLY=($(compgen -W "$(${fn}_flags "$path")" -- "$cur"))
  else COMPREPLY=($(compgen -W "$(${fn}_words "$path")" -- "$cur")); fi
}
complete -F ${fn} ${program}
`;
}

function fishScript(tree: CompletionTree, program: string): string {
  const fn = `__${program.replace(/\W/g, '_')}`;
  const fishSwitch = (name: string, table: Map<string, string[]>) =>
    `function ${name}\n  switch "$argv[1]"\n${[...table].map(([key, list]) => `    case ${quote(key)}\n      printf '%s\\n' ${list.map(quote).join(' ')}`).join('\n')}\n  end\nend`;
  return `${fishSwitch(`${fn}_words`, tree.words)}
${fishSwitch(`${fn}_flags`, tree.flags)}
${fishSwitch(`${fn}_values`, tree.values)}
function ${fn}_path
  set -l path ''
  for word in (commandline -opc)[2..-1]
    if contains -- $word (${fn}_words "$path")
      set path (string trim -- "$path $word")
    end
  end
  echo $path
end
complete -c ${program} -f
complete -c ${program} -n 'not string match -q -- "-*" (commandline -ct)' -a '(${fn}_words (${fn}_path))'
complete -c ${program} -n 'string match -q -- "-*" (commandline -ct)' -a '(${fn}_flags (${fn}_path))'
complete -c ${program} -a '(${fn}_values (${fn}_path)" "(commandline -opc)[-1])'
`;
}

function powershellScript(tree: CompletionTree, program: string): string {
  const table = (map: Map<string, string[]>) => `@{\n${[...map].map(([key, list]) => `    ${quote(key)} = @(${list.map(quote).join(', ')})`).join('\n')}\n  }`;
  return `Register-ArgumentCompleter -Native -CommandName ${quote(program)} -ScriptBlock {
  param($wordToComplete, $commandAst, $cursorPosition)
  $words = ${table(tree.words)}
  $flags = ${table(tree.flags)}
  $values = ${table(tree.values)}
  $path = ''
  $previous = ''
  foreach ($element in ($commandAst.CommandElements | Select-Object -Skip 1)) {
    if ($wordToComplete -and $element.Extent.EndOffset -ge $cursorPosition) { break }
    $text = $element.ToString()
    if ($words[$path] -contains $text) { $path = "$path $text".Trim() }
    $previous = $text
  }
  $candidates = if ($values.ContainsKey("$path $previous")) { $values["$path $previous"] } elseif ($wordToComplete -like '-*') { $flags[$path] } else { $words[$path] }
  $candidates | Where-Object { $_ -like "$wordToComplete*" } | ForEach-Object { [System.Management.Automation.CompletionResult]::new($_, $_, 'ParameterValue', $_) }
}
`;
}

/** Pure: the script a user adds to their shell's startup file (README, "Shell completion"). */
export function completionScript(shell: Shell, tree: CompletionTree, program = 'basic-memory'): string {
  switch (shell) {
    case 'bash':
      return `# ${program} completion for bash: add \`source <(${program} completion bash)\` to ~/.bashrc\n${bashScript(tree, program)}`;
    case 'zsh':
      // zsh runs bash completion functions through bashcompinit: one script to keep right, not two.
      return `#compdef ${program}\n# ${program} completion for zsh: add \`source <(${program} completion zsh)\` to ~/.zshrc\n(( $+functions[compdef] )) || { autoload -U +X compinit && compinit }\nautoload -U +X bashcompinit && bashcompinit\n${bashScript(tree, program)}`;
    case 'fish':
      return `# ${program} completion for fish: ${program} completion fish > ~/.config/fish/completions/${program}.fish\n${fishScript(tree, program)}`;
    case 'powershell':
      return `# ${program} completion for PowerShell: add \`${program} completion powershell | Out-String | Invoke-Expression\` to $PROFILE\n${powershellScript(tree, program)}`;
  }
}
