@preconcurrency import Crypto
import FleetStore
import Foundation
import Hummingbird
import Reports

/// The administrator's page: users and their roles, enrolling gateways, the access log.
extension FleetConsole {
    func adminPage(_ request: Request, _ context: FleetRequestContext, flash: String? = nil) async throws -> Response {
        try context.require(.admin)
        let language = context.language
        let offset = request.uri.queryParameters["offset"].flatMap { Int($0) }.map { max($0, 0) } ?? 0
        let users = try await store.users()
        let log = try await store.accessLog(limit: 100, offset: offset)
        var page = base(request, context, title: ConsoleText.admin.text(language))
        page["flash"] = flash ?? request.uri.queryParameters["done"].map { String($0) }
        page["users"] = users.map { user -> [String: Any] in
            ["name": user.name, "role": user.role.rawValue, "disabled": user.disabled,
             "disabledLabel": user.disabled ? ConsoleText.yesWord.text(language) : ConsoleText.noWord.text(language),
             "roles": ConsoleRole.allCases.map { ["code": $0.rawValue, "selected": $0 == user.role] as [String: Any] }]
        }
        page["roleChoices"] = ConsoleRole.allCases.map { ["code": $0.rawValue, "label": Self.roleLabel($0, language)] }
        page["log"] = log.items.map { ["at": Self.display($0.at), "user": $0.user ?? "", "client": $0.client ?? "", "action": $0.action, "target": $0.target] }
        if offset > 0 { page["previous"] = "/admin?offset=\(max(0, offset - 100))" }
        if offset + 100 < log.total { page["next"] = "/admin?offset=\(offset + 100)" }
        await record(context, "view", "/admin")
        return html("admin", page)
    }

    func addUser(_ request: Request, _ context: FleetRequestContext) async throws -> Response {
        let form = try await Self.postedForm(request, context)
        try context.require(.admin)
        let name = (form["name"] ?? "").trimmingCharacters(in: .whitespaces), password = form["password"] ?? ""
        guard let role = form["role"].flatMap(ConsoleRole.init(rawValue:)) else { throw ConsoleFailure.badForm("role: viewer, reviewer or admin") }
        guard password.count >= PasswordHashing.minimumLength else {
            throw ConsoleFailure.badForm("the password must have at least \(PasswordHashing.minimumLength) characters")
        }
        try await store.putUser(name: name, passwordHash: PasswordHashing.hash(password), role: role)
        await record(context, "user_add", "\(name) as \(role.rawValue)")
        return Self.redirect("/admin?done=" + URLText.encode("\(name): \(role.rawValue)"))
    }

    func updateUser(_ request: Request, _ context: FleetRequestContext) async throws -> Response {
        let form = try await Self.postedForm(request, context)
        try context.require(.admin)
        let name = try context.parameters.require("user")
        let role = form["role"].flatMap(ConsoleRole.init(rawValue:))
        let disabled = form["disabled"] != nil
        if name == context.session?.user.name, disabled || (role.map { $0 < .admin } ?? false) {
            throw ConsoleFailure.badForm("an administrator cannot disable or demote their own account; ask another administrator")
        }
        try await store.updateUser(name: name, role: role, disabled: disabled)
        await record(context, "user_update", "\(name): role \(role?.rawValue ?? "unchanged"), disabled \(disabled)")
        return Self.redirect("/admin?done=" + URLText.encode("\(name): \(role?.rawValue ?? "")\(disabled ? ", disabled" : "")"))
    }

    func enrolGateway(_ request: Request, _ context: FleetRequestContext) async throws -> Response {
        let form = try await Self.postedForm(request, context)
        try context.require(.admin)
        let name = (form["name"] ?? "").trimmingCharacters(in: .whitespaces)
        let site = form["site"].flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0 }
        guard let schedule = Int(form["schedule"] ?? "3600"), schedule > 0 else { throw ConsoleFailure.badForm("schedule: seconds between runs, more than 0") }
        let key: Curve25519.Signing.PublicKey
        do {
            key = try SigningKeys.publicKey(pem: form["key"] ?? "", source: "the public key field")
        } catch {
            throw ConsoleFailure.badForm(error.description)
        }
        let enrolment = try await store.enroll(name: name, publicKey: key, site: site, scheduleSeconds: schedule)
        await record(context, "enrol", "\(name) key \(enrolment.fingerprint)")
        return Self.redirect("/admin?done=" + URLText.encode("\(ConsoleText.enrolled.text(context.language)): \(name) (\(enrolment.fingerprint))"))
    }

    static func roleLabel(_ role: ConsoleRole, _ language: ReportLanguage) -> String {
        switch role {
        case .viewer: ConsoleText.roleViewer.text(language)
        case .reviewer: ConsoleText.roleReviewer.text(language)
        case .admin: ConsoleText.roleAdmin.text(language)
        }
    }
}
