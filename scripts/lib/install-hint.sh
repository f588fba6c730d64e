# Sourced by the set-up scripts: `install_hint <debian packages…>` prints the command that installs
# them for the user running the script, so that a copied line works: plain `apt-get` as root (a
# container often has no sudo), `sudo apt-get` for a user who has sudo, and otherwise the command
# to give to someone who is root. Off Debian it names the packages for the system's own manager.

install_hint() {
  local packages="$*"
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "Install these (their Debian names; use your system's package manager): $packages"
  elif [ "$(id -u)" = 0 ]; then
    echo "Run: apt-get update && apt-get install -y $packages"
  elif command -v sudo >/dev/null 2>&1; then
    echo "Run: sudo apt-get update && sudo apt-get install -y $packages"
  else
    echo "Ask an administrator to run as root (there is no sudo here): apt-get update && apt-get install -y $packages"
  fi
}
