-- wrk script: POST the infer request in $BODY (default one-row.json beside this script) to the URL wrk is given.
local path = os.getenv("BODY") or "benchmarks/serve/one-row.json"
local file = assert(io.open(path, "rb"))
wrk.body = file:read("*a")
file:close()
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
