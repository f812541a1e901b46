/// The console's one stylesheet, served from `/static/console.css` (the pages' policy allows
/// this server's stylesheet and nothing inline). The report fragments a finding page embeds keep
/// the report's look: the same badges, notices and tables. Printing drops the navigation and
/// forms, so a finding prints as a clean page for the file.
enum ConsoleStyle {
    static let css = """
        *{box-sizing:border-box}
        body{font-family:'Noto Sans CJK SC','Noto Sans CJK','Noto Sans','DejaVu Sans',sans-serif;color:#212121;margin:0;line-height:1.45;font-size:14px;background:#fafafa}
        header.bar{display:flex;flex-wrap:wrap;align-items:center;gap:1em;background:#263238;color:#fff;padding:.5em 1.2em}
        header.bar a{color:#fff;text-decoration:none}header.bar .brand{font-weight:bold;font-size:1.1em}
        header.bar nav{display:flex;gap:1em}header.bar nav a{padding:.2em .5em;border-radius:4px}header.bar nav a:hover{background:#37474f}
        header.bar .lang{margin-left:auto}header.bar .lang a[aria-current]{font-weight:bold;text-decoration:underline}
        header.bar form{display:flex;gap:.5em;align-items:center;margin:0}
        main{max-width:1200px;margin:1em auto;padding:0 1.2em}
        footer{max-width:1200px;margin:2em auto;padding:0 1.2em;color:#607d8b;font-size:.85em}
        h1{font-size:1.6em;margin:.4em 0}h2{border-bottom:2px solid #263238;padding-bottom:.2em;margin-top:1.6em}h3{margin-bottom:.3em}
        a{color:#1565c0}
        table{border-collapse:collapse;width:100%;margin:.4em 0;font-size:.92em;background:#fff}
        th,td{border:1px solid #cfd8dc;padding:.3em .5em;text-align:left;vertical-align:top;word-break:break-word}th{background:#eceff1}
        td.num,th.num{text-align:right;white-space:nowrap}
        .cards{display:flex;flex-wrap:wrap;gap:.8em;margin:.8em 0}
        .card{background:#fff;border:1px solid #cfd8dc;border-radius:6px;padding:.6em 1em;min-width:9em}
        .card .n{display:block;font-size:1.8em;font-weight:bold}
        .card.warn{border-color:#f9a825;background:#fff8e1}
        .status{display:inline-block;padding:.05em .6em;border-radius:1em;font-size:.9em}
        .status.ok{background:#e8f5e9;color:#1b5e20}.status.stale{background:#ffebee;color:#b71c1c;font-weight:bold}.status.never{background:#eceff1;color:#455a64}
        tr.stale td{background:#fff5f5}
        .sev-CRITICAL{color:#7f0000;font-weight:bold}.sev-HIGH{color:#c62828;font-weight:bold}.sev-MEDIUM{color:#ef6c00}.sev-LOW{color:#558b2f}.sev-INFO{color:#546e7a}
        .zero{color:#b0bec5;font-weight:normal}
        .badge{display:inline-block;padding:.15em .7em;border-radius:1em;color:#fff;font-weight:bold}
        .severity-critical{background:#7f0000}.severity-high{background:#c62828}.severity-medium{background:#ef6c00}.severity-low{background:#558b2f}.severity-info{background:#546e7a}
        .notice{background:#fff8e1;border-left:4px solid #f9a825;padding:.5em .8em}
        .flash{background:#e8f5e9;border-left:4px solid #2e7d32;padding:.5em .8em}
        .error{background:#ffebee;border-left:4px solid #c62828;padding:.5em .8em}
        dl{display:grid;grid-template-columns:max-content auto;gap:.2em 1em}dt{font-weight:bold}dd{margin:0}
        form.filters{display:grid;grid-template-columns:repeat(auto-fill,minmax(15em,1fr));gap:.6em 1em;background:#fff;border:1px solid #cfd8dc;border-radius:6px;padding:.8em}
        form.filters fieldset{grid-column:1/-1;border:1px solid #eceff1;margin:0}
        form.filters .buttons{grid-column:1/-1}
        label{display:block;font-weight:bold;font-size:.9em}
        input[type=text],input[type=password],input[type=date],select,textarea{width:100%;padding:.3em;border:1px solid #90a4ae;border-radius:4px;font:inherit}
        fieldset label{display:inline-block;font-weight:normal;margin-right:1em}
        button,.button{background:#263238;color:#fff;border:0;border-radius:4px;padding:.4em 1em;font:inherit;cursor:pointer;text-decoration:none;display:inline-block}
        .secondary{background:#eceff1;color:#263238}
        .login{max-width:26em;margin:3em auto;background:#fff;border:1px solid #cfd8dc;border-radius:8px;padding:1.5em}
        .login p,.login label{margin:.6em 0}
        .exports{display:flex;gap:.6em;margin:.6em 0}
        .pager{display:flex;gap:1em;align-items:center;margin:.6em 0}
        figure{margin:0;background:#fff;border:1px solid #cfd8dc;border-radius:6px;padding:.5em}
        .columns{display:grid;grid-template-columns:1fr 1fr;gap:1.2em}
        .inline{display:inline}
        @media (max-width:800px){.columns{grid-template-columns:1fr}}
        @media print{header.bar,nav,form,.exports,.pager,.no-print{display:none!important}body{background:#fff;font-size:11px}main{max-width:none;margin:0}
        h2{break-after:avoid}tr,dl,figure{break-inside:avoid}.badge{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
        """
}
