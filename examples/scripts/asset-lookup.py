#!/usr/bin/env python3
# Custom action: look up the asset of an offense source IP (the JSA seed's sample, printing instead of calling out).
# Arguments, in the order the chain gives them: console address, API token, offense source IP.
import json
import sys

console_ip, api_token, offense_source_ip = sys.argv[1:4]
print(json.dumps({"console": console_ip, "asset_ip": offense_source_ip, "token_length": len(api_token)}))
