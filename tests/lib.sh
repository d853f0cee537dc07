# tests/lib.sh: shell helpers shared by the tests/it_*.sh integration tests (sourced, not run).

# wait_port LOG: prints the port from tierbench serve's first line ("listening on
# http://127.0.0.1:PORT/") once LOG has it; waits up to 5 s; prints nothing if it never came.
# LOG may not exist yet (the server's shell creates it): sed's complaint is not shown.
wait_port() {
	_i=0
	while [ $_i -lt 50 ]; do
		_p=$(sed -n 's|.*listening on http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$1" 2>/dev/null | head -1)
		if [ -n "$_p" ]; then
			echo "$_p"
			return 0
		fi
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}
