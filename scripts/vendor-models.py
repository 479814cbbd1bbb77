"""Copies the IAM and STS service models from the installed botocore into src/api/models/,
without documentation strings (they are most of the size and iamd never reads them).

The models are Apache-2.0 (botocore); iamd reads them to decode Query requests, validate
parameters and encode XML responses exactly as AWS's own SDKs expect.
Run: python3 scripts/vendor-models.py
"""
import gzip, json, os
import botocore

root = os.path.join(os.path.dirname(botocore.__file__), "data")
out_dir = os.path.join(os.path.dirname(__file__), "..", "models")

def strip(node):
    if isinstance(node, dict):
        return {k: strip(v) for k, v in node.items() if k not in ("documentation", "documentationUrl")}
    if isinstance(node, list):
        return [strip(v) for v in node]
    return node

for service, version in (("iam", "2010-05-08"), ("sts", "2011-06-15")):
    with gzip.open(os.path.join(root, service, version, "service-2.json.gz")) as f:
        model = json.load(f)
    model = strip(model)
    model["vendoredFrom"] = "botocore " + botocore.__version__
    with open(os.path.join(out_dir, service + ".json"), "w") as f:
        json.dump(model, f, separators=(",", ":"), sort_keys=False)
    print(service, len(model["operations"]), "operations")

# CloudTrail: only LookupEvents (the audit trail's query API, src/cloudtrail) and the shapes it
# reaches; the rest of CloudTrail is not served.
def reachable(model, names):
    seen = set()
    todo = list(names)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        shape = model["shapes"][name]
        refs = list((shape.get("members") or {}).values())
        for key in ("member", "key", "value"):
            if key in shape:
                refs.append(shape[key])
        todo.extend(ref["shape"] for ref in refs)
    return seen

with gzip.open(os.path.join(root, "cloudtrail", "2013-11-01", "service-2.json.gz")) as f:
    model = strip(json.load(f))
ops = {name: model["operations"][name] for name in ("LookupEvents",)}
roots = []
for op in ops.values():
    roots.append(op["input"]["shape"])
    roots.append(op["output"]["shape"])
    roots.extend(e["shape"] for e in op.get("errors", []))
model["operations"] = ops
model["shapes"] = {k: v for k, v in model["shapes"].items() if k in reachable(model, roots)}
model["metadata"]["xmlNamespace"] = ""
model["vendoredFrom"] = "botocore " + botocore.__version__
with open(os.path.join(out_dir, "cloudtrail.json"), "w") as f:
    json.dump(model, f, separators=(",", ":"), sort_keys=False)
print("cloudtrail", len(model["operations"]), "operations")
