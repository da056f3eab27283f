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
-- The header first (a record's first 192 bytes hold it): an unchanged record is never copied whole.
for i = 1, n do
  local head = redis.call('GETRANGE', KEYS[i], 0, 191)
  if head == '' then
    out[i] = redis.call('GET', KEYS[n + i])
  else
    local rec = nil
    local version, _, owner = recordHeader(head)
    if not version then
      rec = redis.call('GET', KEYS[i])
      version, _, owner = recordHeader(rec)
    end
    if owner ~= tenant then
      out[i] = false
    elseif version == ARGV[1 + i] then
      out[i] = '='
    else
      out[i] = rec or redis.call('GET', KEYS[i])
    end
  end
end
return out
