--[[
  midjourney-proxy reads: tasks and MODAL steps by id in one call, sending back only what the caller lacks.

  Input: KEYS[1..n] the task records, KEYS[n+1..2n] the MODAL steps of the same ids.
         ARGV[1] tenant id; ARGV[1+i] the record version the caller already holds for id i ('' for none).

  Output: one entry per id: false when neither exists or the task is another tenant's; '=' when the record is the
  tenant's and still at the version the caller holds; else the whole record; else the MODAL step's JSON (it starts
  with '{', a record with a digit; the caller checks the step's tenant).
]]
--- @include "record"
local n = #KEYS / 2
local tenant = ARGV[1]
local out = {}
for i = 1, n do
  local rec = redis.call('GET', KEYS[i])
  if rec then
    local version, _, owner = recordHeader(rec)
    if owner ~= tenant then
      out[i] = false
    elseif version == ARGV[1 + i] then
      out[i] = '='
    else
      out[i] = rec
    end
  else
    out[i] = redis.call('GET', KEYS[n + i])
  end
end
return out
