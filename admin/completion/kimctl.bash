# bash completion for kimctl(8). The commands and options come from kimctl's own --help at
# completion time, so the completion never lags behind the program.
_kimctl() {
  local cur prev words cword
  _init_completion || return

  case $prev in
    -c | --config | --password-file | --new-password-file | --initial-password-file | --in | --out | \
      --signer-p12 | --p12 | --key | --cert | --trust | --crl)
      _filedir
      return
      ;;
  esac

  # The command path typed so far: the words before the cursor that are not options or the
  # values of options that take one.
  local -a path=() global=()
  local i w
  for ((i = 1; i < cword; i++)); do
    w=${words[i]}
    case $w in
      -c | --config)
        global+=("$w" "${words[i + 1]}")
        ((i++))
        ;;
      -*) ;;
      *) path+=("$w") ;;
    esac
  done

  local help
  help=$("${words[0]}" "${global[@]}" "${path[@]}" --help 2>/dev/null) || return
  local -a subcommands options
  mapfile -t subcommands < <(awk '/^Subcommands:/{s=1;next} /^[^ ]/{s=0} s && /^  [^ -]/{print $1}' <<<"$help")
  mapfile -t options < <(awk '/^Options:/{s=1;next} /^[^ ]/{s=0} s && /^  -/{print $1}' <<<"$help" |
    sed -e 's/=.*//' | tr ',' '\n')
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "${options[*]}" -- "$cur"))
  elif ((${#subcommands[@]})); then
    COMPREPLY=($(compgen -W "${subcommands[*]}" -- "$cur"))
  else
    _filedir
  fi
} && complete -F _kimctl kimctl
