# fish completion for uv-shim (installed by install.sh into ~/.config/fish/completions)
set -l commands doctor receipts which credentials shell setup
complete -c uv-shim -f
complete -c uv-shim -n "not __fish_seen_subcommand_from $commands" -a doctor -d 'check the installation, config and receipts'
complete -c uv-shim -n "not __fish_seen_subcommand_from $commands" -a receipts -d 'list receipt problems'
complete -c uv-shim -n "not __fish_seen_subcommand_from $commands" -a which -d 'print the real uv the shim runs'
complete -c uv-shim -n "not __fish_seen_subcommand_from $commands" -a credentials -d 'provider and cached token state'
complete -c uv-shim -n "not __fish_seen_subcommand_from $commands" -a shell -d 'PATH block in shell profiles'
complete -c uv-shim -n "not __fish_seen_subcommand_from $commands" -a setup -d '(re)write the launchers'
complete -c uv-shim -n "__fish_seen_subcommand_from receipts" -l fix -d 'repair them in place'
complete -c uv-shim -n "__fish_seen_subcommand_from receipts" -l json -d 'machine-readable output'
complete -c uv-shim -n "__fish_seen_subcommand_from credentials" -l clear -d 'empty the token cache'
complete -c uv-shim -n "__fish_seen_subcommand_from shell" -a 'install uninstall status'
complete -c uv-shim -n "__fish_seen_subcommand_from shell" -l shell -xa 'bash zsh fish all'
complete -c uv-shim -n "__fish_seen_subcommand_from setup" -l real-uv -r -F
complete -c uv-shim -n "__fish_seen_subcommand_from setup" -l prefix -r -F
