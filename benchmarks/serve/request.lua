-- wrk script for load.sh: POSTs one Open Inference Protocol v2 request of $ROWS rows x $FEATURES pixel-like values
-- (k/255, as Fashion-MNIST's bytes / 255), either as JSON ($FORMAT=json, answered in JSON) or with the binary tensor
-- extension ($FORMAT=binary: raw FP32 after the JSON header, and the answer asked for in binary too). At the end it
-- prints one RESULT line for load.sh: requests/s, latency percentiles in microseconds, non-2xx answers, socket errors.
local features = tonumber(os.getenv("FEATURES") or "784")
local rows = tonumber(os.getenv("ROWS") or "1")
local format = os.getenv("FORMAT") or "json"

local function pixel(i) return ((i * 37) % 256) / 255 end

-- The little-endian bytes of v rounded to FP32 (LuaJIT has no string.pack); v is 0 or a normal number in (0, 1].
local function fp32(v)
  if v == 0 then return "\0\0\0\0" end
  local m, e = math.frexp(v) -- v = m * 2^e with 0.5 <= m < 1; a mantissa that rounds up carries into the exponent
  local bits = math.floor((m * 2 - 1) * 8388608 + 0.5) + (e + 126) * 8388608
  local b0, b1, b2 = bits % 256, math.floor(bits / 256) % 256, math.floor(bits / 65536) % 256
  return string.char(b0, b1, b2, math.floor(bits / 16777216))
end

local shape = '"shape":[' .. rows .. ',' .. features .. '],"datatype":"FP32"'
local values = {}
if format == "binary" then
  for i = 0, rows * features - 1 do values[#values + 1] = fp32(pixel(i)) end
  local data = table.concat(values)
  local header = '{"inputs":[{"name":"input",' .. shape .. ',"parameters":{"binary_data_size":' .. #data .. '}}],'
    .. '"parameters":{"binary_data_output":true}}'
  wrk.body = header .. data
  wrk.headers["Content-Type"] = "application/octet-stream"
  wrk.headers["Inference-Header-Content-Length"] = tostring(#header)
else
  for i = 0, rows * features - 1 do values[#values + 1] = string.format("%.7g", pixel(i)) end
  wrk.body = '{"inputs":[{"name":"input",' .. shape .. ',"data":[' .. table.concat(values, ",") .. ']}]}'
  wrk.headers["Content-Type"] = "application/json"
end
wrk.method = "POST"

function done(summary, latency, requests)
  local errors = summary.errors
  local seconds = summary.duration / 1e6
  io.write(string.format("RESULT requests=%d rps=%.1f p50_us=%d p99_us=%d p999_us=%d non2xx=%d socket_errors=%d\n",
    summary.requests, summary.requests / seconds, latency:percentile(50), latency:percentile(99), latency:percentile(99.9),
    errors.status, errors.connect + errors.read + errors.write + errors.timeout))
end
