# bash completion for uv-shim (installed by install.sh; sourced from the uv-shim block in ~/.bashrc)
_uv_shim() {
    local cur prev sub
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD-1]}
    sub=${COMP_WORDS[1]}
    if [ "$COMP_CWORD" -eq 1 ]; then
        COMPREPLY=($(compgen -W "doctor receipts which credentials shell setup --help --version" -- "$cur"))
        return
    fi
    case $sub in
        receipts) COMPREPLY=($(compgen -W "--fix --json --help" -- "$cur")) ;;
        credentials) COMPREPLY=($(compgen -W "--clear --help" -- "$cur")) ;;
        setup)
            case $prev in
                --real-uv|--prefix) COMPREPLY=($(compgen -f -- "$cur")) ;;
                *) COMPREPLY=($(compgen -W "--real-uv --prefix --help" -- "$cur")) ;;
            esac ;;
        shell)
            case $prev in
                --shell) COMPREPLY=($(compgen -W "bash zsh fish all" -- "$cur")) ;;
                shell) COMPREPLY=($(compgen -W "install uninstall status" -- "$cur")) ;;
                *) COMPREPLY=($(compgen -W "--shell --help" -- "$cur")) ;;
            esac ;;
        *) COMPREPLY=($(compgen -W "--help" -- "$cur")) ;;
    esac
}
complete -F _uv_shim uv-shim
