/// The dashboard's page frame: navigation, style, and the script that refreshes the live part.
enum Page {
    /// A whole page; `live` is the part that refreshes (fetched again as `?fragment=live` every
    /// `refresh` seconds, without reloading the page); `body` stays as it was served.
    static func render(title: String, live: String?, body: String = "", refresh: Int = 3) -> String {
        let script =
            live == nil
            ? ""
            : """
            <script>
            (function () {
              const live = document.getElementById('live');
              async function refresh() {
                try {
                  const url = new URL(location.href);
                  url.searchParams.set('fragment', 'live');
                  const reply = await fetch(url, {cache: 'no-store'});
                  if (reply.ok) { live.innerHTML = await reply.text(); document.body.dataset.refreshed = Date.now(); }
                } catch (e) { /* the dashboard is restarting: try again */ }
              }
              setInterval(refresh, \(refresh * 1000));
            })();
            </script>
            """
        return """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>\(HTML.escape(title)) · evod</title>
            <style>\(style)</style></head>
            <body>
            <nav><b>evod</b> <a href="/">cluster</a> <a href="/migrations">migration</a> <a href="/proposers">proposers</a>
            <a href="/api/status">api</a> <a href="/metrics">metrics</a></nav>
            <h1>\(HTML.escape(title))</h1>
            <div id="live">\(live ?? "")</div>
            \(body)
            \(script)
            </body></html>
            """
    }

    static let style = """
        body { font-family: sans-serif; margin: 1.5em; color: #222; }
        nav { margin-bottom: 1em; } nav a { margin-right: 1em; }
        table { border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 13px; }
        th, td { border-bottom: 1px solid #ddd; padding: 3px 8px; text-align: left; vertical-align: top; }
        th { background: #f4f4f4; } pre { background: #f7f7f7; padding: 0.6em; overflow-x: auto; white-space: pre-wrap; }
        .down { color: #b00; } .fault { color: #b00; font-weight: bold; } .warning { color: #a60; } .muted { color: #777; }
        del { background: #fdd; } ins { background: #dfd; text-decoration: none; }
        ul.lineage { list-style: none; padding-left: 1.2em; border-left: 1px solid #ccc; }
        svg a rect.cell:hover { stroke: #000; stroke-width: 2; }
        .scroll { overflow-x: auto; max-width: 100%; }
        """
}
