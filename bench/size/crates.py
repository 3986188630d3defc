#!/usr/bin/env python3
"""What a Lambda bootstrap is made of (bench/size/run.sh): every symbol of an unstripped
binary (`nm --size-sort -C -S`: code and data) attributed to a crate, then grouped.

A symbol goes to the crate of the first path in its demangled name that is not core, alloc
or std, so `core::ptr::drop_in_place<stripe_shared::PaymentIntent>` (drop glue the compiler
made for an async-stripe type) counts for stripe_shared. With fat LTO, code inlined into a
function counts for the crate of the function it was inlined into. Symbols are about two
thirds of a stripped bootstrap; the rest is unwinding tables, relocations and constants.
Usage: crates.py BINARY"""
import collections, re, subprocess, sys
STD = {"core", "alloc", "std"}
# The Lambdas' own bin crates (their `main`, and what fat LTO inlined into it).
BINS = {"shop_api", "stripe_webhook", "admin_api", "order_events", "catalogue_publisher",
        "reservation_sweeper", "edge_config"}
out = subprocess.run(["nm", "--size-sort", "-C", "-S", sys.argv[1]], capture_output=True, text=True).stdout
sizes = collections.Counter(); total = 0
first_seg = re.compile(r"(?:^|[<(,\s&*\[])(?:dyn |impl |mut |const )?([A-Za-z_][A-Za-z0-9_]*)::")
for line in out.splitlines():
    parts = line.split(None, 3)
    if len(parts) < 4 or parts[2] not in "tTwWrRdD": continue
    size = int(parts[1], 16); name = parts[3]; total += size
    segs = first_seg.findall(name)
    cands = [c for c in segs if c not in STD]
    crate = cands[0] if cands else (segs[0] if segs else "(unnamed)")
    if name.startswith("ring_core_"):  # ring's C and assembly (prefixed, no Rust path)
        crate = "ring"
    sizes[crate] += size
def group(c):
    if c.startswith("aws_sdk_"): return "aws-sdk-* (the service clients)"
    if c.startswith(("aws_smithy", "aws_config", "aws_runtime", "aws_types", "aws_credential", "aws_sig")) or c == "crc_fast": return "aws-smithy-*, aws-config, aws-runtime (+ crc-fast)"
    if c.startswith("stripe"): return "async-stripe (stripe_*)"
    if c in ("shop", "functions", "bootstrap", "stream_handlers", "static_site", "photos", "edge_config", "edge") or c in BINS: return "our crates (with each bin's main)"
    if c in ("rustls", "ring", "webpki", "rustls_pki_types", "hyper_rustls", "tokio_rustls", "webpki_roots", "webpki_root_certs"): return "rustls, ring, webpki (+ roots)"
    if c in ("hyper", "h2", "http", "http_body", "http_body_util", "hyper_util", "tower", "tokio", "axum", "lambda_http", "lambda_runtime", "aws_lambda_events", "bytes", "futures_util", "matchit"): return "hyper, h2, http, tokio, axum, lambda runtime"
    if c in ("serde", "serde_json", "miniserde", "serde_core", "serde_dynamo", "serde_path_to_error", "serde_urlencoded", "serde_qs"): return "serde, serde_json, miniserde"
    if c in ("core", "alloc", "std"): return "std, core, alloc"
    if c in ("image", "zune_jpeg", "image_webp", "png", "fdeflate", "moxcms", "zune_core"): return "image codecs"
    if c in ("regex", "regex_automata", "regex_syntax", "aho_corasick"): return "regex"
    return "other"
groups = collections.Counter()
for c, s in sizes.items(): groups[group(c)] += s
print(f"{sys.argv[1].rsplit('/', 1)[-1]}: {total/2**20:.1f} MiB of symbols (code and data)")
for g, s in groups.most_common(): print(f"  {g:42s} {s/2**20:5.2f} MiB  {100*s/total:4.1f}%")
print("  top crates: " + ", ".join(f"{c} {s/2**20:.2f}" for c, s in sizes.most_common(10)))
