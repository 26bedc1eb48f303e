#!/bin/sh
# The image's entrypoint: the first argument says which part of Salient this container runs.
#
#   host [salient serve options]          the web chat, HTTP API and admin view, on 0.0.0.0:8100
#   catalog|crm|scheduling|crossfeed|library [options]
#                                          that MCP server over streamable HTTP on 0.0.0.0, its own port
#   migrate catalog|crm|...                bring that server's schema up to date and exit (a release's Job)
#   anything else                          run as given (salient-crm tokens create ..., sh, ...)
#
# Each server reads its settings from SALIENT_<NAME>_* variables (SALIENT_CRM_DB, ...), as outside a container.
set -eu

role="${1:-host}"
if [ "$#" -gt 0 ]; then shift; fi

case "$role" in
  host)
    exec salient serve --host 0.0.0.0 --port "${SALIENT_HOST_PORT:-8100}" "$@"
    ;;
  catalog|crm|scheduling|crossfeed|library)
    exec "salient-$role" --http --host 0.0.0.0 "$@"
    ;;
  migrate)
    server="${1:?usage: migrate catalog|crm|scheduling|crossfeed|library}"
    shift
    exec "salient-$server" "$@" migrate
    ;;
  *)
    exec "$role" "$@"
    ;;
esac
