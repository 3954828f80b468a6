import sqlite3, os, sys, time, glob
root = "/tmp"
time.sleep(20)
d = max(glob.glob(root + "/evod-cluster-*"), key=os.path.getmtime)
print("dir", d, flush=True)
tables = {"farm/cache.sqlite": ["results"], "island-1/island.sqlite": ["candidates", "history"], "island-2/island.sqlite": ["candidates", "history"]}
start = time.time()
while os.path.isdir(d):
    parts = []
    for f in sorted(glob.glob(d + "/state/**/*.sqlite", recursive=True)):
        rel = os.path.relpath(f, d + "/state")
        size = os.path.getsize(f)
        try:
            c = sqlite3.connect(f"file:{f}?mode=ro", uri=True, timeout=5)
            counts = " ".join(f"{t}={c.execute(f'SELECT COUNT(*) FROM {t}').fetchone()[0]}" for t in tables.get(rel, []))
            if rel.startswith("farm"):
                counts += " rowbytes=%d src=%d" % c.execute("SELECT AVG(LENGTH(result)+LENGTH(source)+LENGTH(name)+LENGTH(fingerprint)), AVG(LENGTH(source)) FROM results").fetchone()
            else:
                counts += " src=%d metrics=%d dense=%s" % (c.execute("SELECT AVG(LENGTH(source)), AVG(LENGTH(metrics)) FROM candidates").fetchone() + (c.execute("SELECT value FROM upkeep").fetchone(),))
            counts += " pages=%d" % c.execute("PRAGMA page_count").fetchone()[0]
            c.close()
        except Exception as e:
            counts = f"err {e}"
        parts.append(f"{rel} {size//1024}k {counts}")
    print(f"{(time.time()-start)/60:5.1f} | " + " | ".join(parts), flush=True)
    time.sleep(60)
