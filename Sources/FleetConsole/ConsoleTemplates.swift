import Mustache

/// The pages as Mustache templates, compiled into the binary so an installed server needs no
/// template files. `{{…}}` escapes HTML; `{{{…}}}` is used only for markup this program made
/// itself with its text already escaped (the report's finding fragment and the SVG charts).
enum ConsoleTemplates {
    static let all: [String: String] = [
        "head": head, "foot": foot, "login": login, "overview": overview, "gateway": gateway, "run": run, "finding": finding,
        "search": search, "admin": admin, "message": message,
    ]

    static func library() throws -> MustacheLibrary {
        var library = MustacheLibrary()
        for (name, text) in all { try library.register(text, named: name) }
        return library
    }

    static let head = """
        <!DOCTYPE html>
        <html lang="{{langTag}}">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}} · {{t.product}}</title>
        <link rel="stylesheet" href="/static/console.css">
        </head>
        <body>
        <header class="bar">
        <a class="brand" href="/">{{t.product}}</a>
        {{#user}}<nav><a href="/">{{t.overview}}</a><a href="/findings">{{t.search}}</a>{{#isAdmin}}<a href="/admin">{{t.admin}}</a>{{/isAdmin}}</nav>{{/user}}
        <div class="lang">{{t.language}}: <a id="lang-en" href="/lang/en?back={{here}}"{{#isEnglish}} aria-current="true"{{/isEnglish}}>English</a> · <a id="lang-zh" href="/lang/zh?back={{here}}"{{#isChinese}} aria-current="true"{{/isChinese}}>中文</a></div>
        {{#user}}<form method="post" action="/logout"><input type="hidden" name="_csrf" value="{{csrf}}"><span>{{t.signedInAs}} <b id="user-name">{{name}}</b> ({{role}})</span><button type="submit" class="secondary">{{t.signOut}}</button></form>{{/user}}
        </header>
        <main>
        {{#flash}}<p class="flash" id="flash">{{flash}}</p>{{/flash}}
        {{#problem}}<p class="error" id="problem">{{problem}}</p>{{/problem}}

        """

    static let foot = """
        </main>
        <footer><p>{{disclaimer}}</p></footer>
        </body>
        </html>

        """

    static let login = """
        {{> head}}
        <form class="login" method="post" action="/login">
        <h1>{{t.loginTitle}}</h1>
        <p>{{t.loginIntro}}</p>
        <input type="hidden" name="_csrf" value="{{loginToken}}">
        <input type="hidden" name="next" value="{{next}}">
        <label for="user">{{t.userName}}</label><input type="text" id="user" name="user" autocomplete="username" required value="{{userName}}">
        <label for="password">{{t.password}}</label><input type="password" id="password" name="password" autocomplete="current-password" required>
        <p><button type="submit" id="sign-in">{{t.signIn}}</button></p>
        </form>
        {{> foot}}
        """

    static let overview = """
        {{> head}}
        <h1>{{t.fleetTotals}}</h1>
        <section class="cards" id="totals">
        <div class="card"><span class="n">{{gatewayCount}}</span>{{t.gateways}}</div>
        <div class="card{{#anyStale}} warn{{/anyStale}}"><span class="n" id="stale-count">{{staleCount}}</span>{{t.gatewaysStale}}</div>
        {{#severityTotals}}<div class="card"><span class="n sev-{{code}}">{{count}}</span><a href="/findings?severity={{code}}">{{label}}</a></div>{{/severityTotals}}
        </section>
        <p class="exports"><a class="button secondary" href="/export.csv">{{t.exportCSV}}</a><a class="button secondary" href="/export.json">{{t.exportJSON}}</a></p>

        <h2>{{t.gateways}}</h2>
        {{^gateways}}<p>{{t.noRunsYet}}</p>{{/gateways}}
        {{#hasGateways}}
        <table id="gateways">
        <thead><tr><th>{{t.r_gateway}}</th><th>{{t.r_site}}</th><th>{{t.lastRun}}</th><th>{{t.age}}</th><th>{{t.status}}</th>{{#severityHeads}}<th class="num">{{label}}</th>{{/severityHeads}}<th>{{t.worstCategory}}</th></tr></thead>
        <tbody>
        {{#gateways}}<tr class="{{status}}"><td><a href="{{link}}">{{name}}</a></td><td>{{site}}</td><td>{{lastRun}}</td><td>{{age}}</td><td><span class="status {{status}}">{{statusLabel}}</span></td>{{#bySeverity}}<td class="num{{#zero}} zero{{/zero}}{{^zero}} sev-{{code}}{{/zero}}">{{count}}</td>{{/bySeverity}}<td>{{worst}}</td></tr>
        {{/gateways}}
        </tbody>
        </table>
        {{/hasGateways}}

        <div class="columns">
        <section><h2>{{t.r_byCategory}}</h2>
        <table id="by-category"><thead><tr><th>{{t.r_category}}</th><th class="num">{{t.openFindingsShort}}</th></tr></thead><tbody>
        {{#categoryTotals}}<tr><td><a href="/findings?category={{code}}">{{code}}</a> {{label}}</td><td class="num">{{count}}</td></tr>{{/categoryTotals}}
        </tbody></table></section>
        <section><h2>{{t.byGap}}</h2>
        <table id="by-gap"><thead><tr><th>{{t.gap}}</th><th class="num">{{t.openFindingsShort}}</th></tr></thead><tbody>
        {{#gapTotals}}<tr><td><a href="/findings?gap={{code}}">{{code}}</a> {{label}}</td><td class="num">{{count}}</td></tr>{{/gapTotals}}
        </tbody></table></section>
        </div>

        <h2>{{t.trend}}</h2>
        <p class="pager">{{#periods}}{{#current}}<b>{{label}}</b>{{/current}}{{^current}}<a href="/?days={{days}}">{{label}}</a>{{/current}} {{/periods}}</p>
        <figure id="trend">{{{trendSVG}}}<figcaption>{{t.trendCaption}}</figcaption></figure>

        <h2>{{t.r_map}}</h2>
        <figure id="map">{{{mapSVG}}}</figure>
        {{> foot}}
        """

    static let gateway = """
        {{> head}}
        <h1>{{t.r_gateway}} {{name}}</h1>
        <dl id="gateway-facts">
        <dt>{{t.r_site}}</dt><dd>{{site}}</dd>
        <dt>{{t.status}}</dt><dd><span class="status {{status}}">{{statusLabel}}</span></dd>
        <dt>{{t.lastRun}}</dt><dd>{{lastRun}} ({{age}})</dd>
        <dt>{{t.schedule}}</dt><dd>{{schedule}}</dd>
        <dt>{{t.fingerprint}}</dt><dd><code>{{fingerprint}}</code></dd>
        </dl>
        <p class="exports"><a class="button secondary" href="/export.csv?gateway={{name}}">{{t.exportCSV}}</a><a class="button secondary" href="/export.json?gateway={{name}}">{{t.exportJSON}}</a></p>

        <h2>{{t.circuitsNow}}</h2>
        <table id="circuits">
        <thead><tr><th>{{t.r_circuit}}</th><th>{{t.r_technology}}</th><th>{{t.r_category}}</th><th>{{t.r_severity}}</th><th>{{t.r_flags}}</th><th>{{t.country}}</th><th>{{t.reviewState}}</th></tr></thead>
        <tbody>
        {{#circuits}}<tr><td><a href="{{link}}">{{circuitId}}</a> {{circuitName}}{{#waived}} <i>({{t.waived}})</i>{{/waived}}</td><td>{{technology}}</td><td>{{category}}</td><td class="sev-{{severity}}">{{severityLabel}}</td><td>{{flags}}</td><td>{{country}}</td><td>{{review}}</td></tr>
        {{/circuits}}
        </tbody>
        </table>

        <h2>{{t.drift}}</h2>
        {{#drift}}
        {{#firstRun}}<p id="drift-first">{{t.driftFirstRun}}</p>{{/firstRun}}
        {{^firstRun}}<p>{{t.driftIntro}} {{from}} → {{to}}</p>
        {{#nothing}}<p id="drift-none">{{t.driftNone}}</p>{{/nothing}}{{/firstRun}}
        {{#hasRows}}
        <table id="drift"><thead><tr><th>{{t.whatChanged}}</th><th>{{t.r_circuit}}</th><th>{{t.r_category}}</th><th>{{t.r_severity}}</th></tr></thead><tbody>
        {{#rows}}<tr><td>{{kind}}</td><td><a href="{{link}}">{{circuitId}}</a> {{circuitName}}</td><td>{{category}}</td><td>{{severity}}</td></tr>
        {{/rows}}
        </tbody></table>
        {{/hasRows}}
        {{/drift}}

        <h2>{{t.overTime}}</h2>
        <table id="timeline"><thead><tr><th>{{t.r_circuit}}</th><th>{{t.firstSeen}}</th><th>{{t.changed}}</th><th>{{t.lastSeen}}</th><th class="num">{{t.runsCount}}</th></tr></thead><tbody>
        {{#timeline}}<tr><td><a href="{{link}}">{{circuitId}}</a> {{circuitName}}</td><td>{{firstSeen}}</td><td>{{#changes}}{{at}}: {{from}} → {{to}}<br>{{/changes}}</td><td>{{lastSeen}}{{#gone}} <b>({{t.goneAfter}})</b>{{/gone}}{{^gone}} ({{t.present}}){{/gone}}</td><td class="num">{{runs}}</td></tr>
        {{/timeline}}
        </tbody></table>

        <h2>{{t.runs}}</h2>
        <table id="runs"><thead><tr><th>{{t.runID}}</th><th>{{t.r_generatedAt}}</th><th>{{t.received}}</th><th>{{t.trigger}}</th><th class="num">{{t.openFindingsShort}}</th><th>{{t.r_severity}}</th><th>{{t.signature}}</th></tr></thead><tbody>
        {{#runs}}<tr><td><a href="{{link}}">{{runId}}</a></td><td>{{generatedAt}}</td><td>{{receivedAt}}</td><td>{{trigger}}</td><td class="num">{{openFindings}}</td><td>{{maxSeverity}}</td><td>{{t.verifiedOnReceipt}} ({{signer}})</td></tr>
        {{/runs}}
        </tbody></table>
        <p class="pager">{{#previous}}<a href="{{previous}}">{{t.previousPage}}</a>{{/previous}} {{#next}}<a href="{{next}}">{{t.nextPage}}</a>{{/next}}</p>
        {{> foot}}
        """

    static let run = """
        {{> head}}
        <h1>{{t.runID}} {{runId}} — <a href="{{gatewayLink}}">{{gateway}}</a></h1>
        <dl>
        <dt>{{t.r_generatedAt}}</dt><dd>{{generatedAt}}</dd>
        <dt>{{t.received}}</dt><dd>{{receivedAt}}</dd>
        <dt>{{t.trigger}}</dt><dd>{{trigger}}</dd>
        <dt>{{t.r_toolVersion}}</dt><dd>{{toolVersion}}</dd>
        <dt>{{t.signature}}</dt><dd id="signature">{{#intact}}<span class="status ok">{{t.intact}}</span>{{/intact}}{{^intact}}<span class="status stale">{{t.notIntact}}</span>{{/intact}} — {{signer}}</dd>
        </dl>
        {{#hasProblems}}<ul class="error">{{#problems}}<li>{{.}}</li>{{/problems}}</ul>{{/hasProblems}}
        <h2>{{t.reports}}</h2>
        <ul id="reports">{{#reports}}<li><a href="{{link}}">{{label}}</a></li>{{/reports}}</ul>
        <p><a href="{{bundleLink}}">{{t.bundle}}</a></p>
        <h2>{{t.files}}</h2>
        <table><thead><tr><th>{{t.r_path}}</th><th class="num">{{t.r_bytes}}</th></tr></thead><tbody>
        {{#files}}<tr><td><a href="{{link}}">{{path}}</a></td><td class="num">{{bytes}}</td></tr>{{/files}}
        </tbody></table>
        {{> foot}}
        """

    static let finding = """
        {{> head}}
        <p class="no-print"><a href="{{gatewayLink}}">{{t.r_gateway}} {{gateway}}</a> · {{runLabel}} · {{t.printHint}}</p>
        <h1>{{t.r_gateway}} {{gateway}}{{#site}} ({{site}}){{/site}}</h1>
        <article id="finding">{{{findingHTML}}}</article>

        <h2>{{t.reviews}}</h2>
        {{#reviewExpired}}<p class="notice">{{t.untilPast}}</p>{{/reviewExpired}}
        {{^reviews}}<p id="no-reviews">{{t.noReviews}}</p>{{/reviews}}
        {{#hasReviews}}
        <table id="reviews"><thead><tr><th>{{t.decision}}</th><th>{{t.r_reviewUntil}}</th><th>{{t.comment}}</th><th>{{t.r_reviewer}}</th><th>{{t.r_reviewedAt}}</th><th>{{t.runID}}</th></tr></thead><tbody>
        {{#reviews}}<tr><td class="decision">{{label}}</td><td>{{until}}</td><td>{{comment}}</td><td>{{reviewer}}</td><td>{{decidedAt}}</td><td>{{runId}}</td></tr>
        {{/reviews}}
        </tbody></table>
        {{/hasReviews}}
        {{#canReview}}
        <form method="post" action="{{reviewAction}}" id="review-form" class="filters">
        <input type="hidden" name="_csrf" value="{{csrf}}">
        <input type="hidden" name="run" value="{{runId}}">
        <fieldset><legend>{{t.recordDecision}}</legend>
        {{#decisions}}<label><input type="radio" name="decision" value="{{code}}"{{#first}} checked{{/first}}> {{label}}</label>{{/decisions}}
        </fieldset>
        <div><label for="until">{{t.until}}</label><input type="date" id="until" name="until"></div>
        <div><label for="comment">{{t.comment}}</label><textarea id="comment" name="comment" rows="3" maxlength="4000"></textarea></div>
        <div class="buttons"><button type="submit" id="save-review">{{t.save}}</button></div>
        </form>
        {{/canReview}}

        <h2>{{t.history}}</h2>
        <table id="history"><thead><tr><th>{{t.spanFrom}}</th><th>{{t.spanTo}}</th><th class="num">{{t.runsCount}}</th><th>{{t.r_category}}</th><th>{{t.r_severity}}</th><th>{{t.r_flags}}</th><th>{{t.r_waiver}}</th></tr></thead><tbody>
        {{#spans}}<tr><td>{{from}}</td><td>{{to}}</td><td class="num">{{runs}}</td><td>{{category}}</td><td class="sev-{{severity}}">{{severity}}</td><td>{{flags}}</td><td>{{waived}}</td></tr>
        {{/spans}}
        </tbody></table>
        {{#absentSince}}<p class="notice">{{t.absentSince}} {{absentSince}}</p>{{/absentSince}}
        {{> foot}}
        """

    static let search = """
        {{> head}}
        <h1>{{t.search}}</h1>
        <form class="filters" method="get" action="/findings" id="filters">
        <fieldset><legend>{{t.r_category}}</legend>
        {{#categories}}<label><input type="checkbox" name="category" value="{{code}}"{{#checked}} checked{{/checked}}> {{short}} {{label}}</label>{{/categories}}
        </fieldset>
        <div><label for="severity">{{t.minimumSeverity}}</label><select id="severity" name="severity"><option value="">{{t.any}}</option>{{#severities}}<option value="{{code}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/severities}}</select></div>
        <div><label for="flag">{{t.r_flag}}</label><select id="flag" name="flag"><option value="">{{t.any}}</option>{{#flags}}<option value="{{code}}"{{#selected}} selected{{/selected}}>{{code}} {{label}}</option>{{/flags}}</select></div>
        <div><label for="gap">{{t.gap}}</label><select id="gap" name="gap"><option value="">{{t.any}}</option>{{#gaps}}<option value="{{code}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/gaps}}</select></div>
        <div><label for="rule">{{t.r_rule}}</label><input type="text" id="rule" name="rule" value="{{values.rule}}"></div>
        <div><label for="country">{{t.country}}</label><input type="text" id="country" name="country" value="{{values.country}}" placeholder="US, HK, DE"></div>
        <div><label for="supplier">{{t.supplier}}</label><input type="text" id="supplier" name="supplier" value="{{values.supplier}}"></div>
        <div><label for="technology">{{t.r_technology}}</label><input type="text" id="technology" name="technology" value="{{values.technology}}"></div>
        <div><label for="gateway">{{t.r_gateway}}</label><input type="text" id="gateway" name="gateway" value="{{values.gateway}}"></div>
        <div><label for="from">{{t.dateFrom}}</label><input type="date" id="from" name="from" value="{{values.from}}"></div>
        <div><label for="to">{{t.dateTo}}</label><input type="date" id="to" name="to" value="{{values.to}}"></div>
        <div><label><input type="checkbox" name="include_waived" value="1"{{#includeWaived}} checked{{/includeWaived}}> {{t.includeWaived}}</label></div>
        <div class="buttons"><button type="submit" id="apply">{{t.apply}}</button> <a class="button secondary" href="/findings">{{t.reset}}</a></div>
        </form>
        <h2 id="result-count">{{resultsLabel}}</h2>
        <p class="exports"><a class="button secondary" id="export-csv" href="{{csvLink}}">{{t.exportCSV}}</a><a class="button secondary" id="export-json" href="{{jsonLink}}">{{t.exportJSON}}</a></p>
        <table id="results"><thead><tr><th>{{t.r_gateway}}</th><th>{{t.r_circuit}}</th><th>{{t.r_category}}</th><th>{{t.r_severity}}</th><th>{{t.r_flags}}</th><th>{{t.country}}</th><th>{{t.supplier}}</th><th>{{t.gap}}</th><th>{{t.reviewState}}</th><th>{{t.r_generatedAt}}</th></tr></thead><tbody>
        {{#results}}<tr><td><a href="{{gatewayLink}}">{{gateway}}</a></td><td><a class="finding-link" href="{{link}}">{{circuitId}}</a> {{circuitName}}</td><td class="category">{{category}}</td><td class="sev-{{severity}}">{{severityLabel}}</td><td>{{flags}}</td><td>{{country}}</td><td>{{supplier}}</td><td>{{gap}}</td><td>{{review}}</td><td>{{generatedAt}}</td></tr>
        {{/results}}
        </tbody></table>
        <p class="pager">{{#previous}}<a id="previous" href="{{previous}}">{{t.previousPage}}</a>{{/previous}} {{#next}}<a id="next" href="{{next}}">{{t.nextPage}}</a>{{/next}}</p>
        {{> foot}}
        """

    static let admin = """
        {{> head}}
        <h1>{{t.admin}}</h1>
        <h2>{{t.users}}</h2>
        <table id="users"><thead><tr><th>{{t.userName}}</th><th>{{t.role}}</th><th>{{t.disabled}}</th><th></th></tr></thead><tbody>
        {{#users}}<tr><td>{{name}}</td><td>{{role}}</td><td>{{disabledLabel}}</td><td>
        <form class="inline" method="post" action="/admin/users/{{name}}"><input type="hidden" name="_csrf" value="{{csrf}}">
        <select name="role" aria-label="{{t.role}}">{{#roles}}<option value="{{code}}"{{#selected}} selected{{/selected}}>{{code}}</option>{{/roles}}</select>
        <label class="inline"><input type="checkbox" name="disabled" value="1"{{#disabled}} checked{{/disabled}}> {{t.disable}}</label>
        <button type="submit">{{t.update}}</button></form></td></tr>
        {{/users}}
        </tbody></table>
        <h3>{{t.addUser}}</h3>
        <form class="filters" method="post" action="/admin/users" id="add-user">
        <input type="hidden" name="_csrf" value="{{csrf}}">
        <div><label for="new-name">{{t.userName}}</label><input type="text" id="new-name" name="name" required></div>
        <div><label for="new-password">{{t.password}}</label><input type="password" id="new-password" name="password" required minlength="10" autocomplete="new-password"></div>
        <div><label for="new-role">{{t.role}}</label><select id="new-role" name="role">{{#roleChoices}}<option value="{{code}}">{{label}}</option>{{/roleChoices}}</select></div>
        <div class="buttons"><button type="submit">{{t.addUser}}</button></div>
        </form>

        <h2>{{t.enrolGateway}}</h2>
        <form class="filters" method="post" action="/admin/gateways" id="enrol">
        <input type="hidden" name="_csrf" value="{{csrf}}">
        <div><label for="gw-name">{{t.r_gateway}}</label><input type="text" id="gw-name" name="name" required></div>
        <div><label for="gw-site">{{t.r_site}}</label><input type="text" id="gw-site" name="site"></div>
        <div><label for="gw-schedule">{{t.schedule}} (s)</label><input type="text" id="gw-schedule" name="schedule" value="3600"></div>
        <div class="buttons"><label for="gw-key">{{t.publicKey}}</label><textarea id="gw-key" name="key" rows="4" required></textarea></div>
        <div class="buttons"><button type="submit">{{t.enrolGateway}}</button></div>
        </form>

        <h2>{{t.accessLog}}</h2>
        <table id="access-log"><thead><tr><th>{{t.when}}</th><th>{{t.userName}}</th><th>{{t.client}}</th><th>{{t.action}}</th><th>{{t.target}}</th></tr></thead><tbody>
        {{#log}}<tr><td>{{at}}</td><td>{{user}}</td><td>{{client}}</td><td>{{action}}</td><td>{{target}}</td></tr>
        {{/log}}
        </tbody></table>
        <p class="pager">{{#previous}}<a href="{{previous}}">{{t.previousPage}}</a>{{/previous}} {{#next}}<a href="{{next}}">{{t.nextPage}}</a>{{/next}}</p>
        {{> foot}}
        """

    static let message = """
        {{> head}}
        <h1>{{heading}}</h1>
        <p>{{detail}}</p>
        <p><a href="/">{{t.backToOverview}}</a></p>
        {{> foot}}
        """
}
