import Geo
import Inventory
import Packets
import Policy

/// The value of one predicate for one circuit, with the reason and the evidence behind it.
public struct Fact: Sendable, Equatable, Codable {
    public var holds: Bool
    /// One sentence a reader can check: "203.0.113.7 is in DE (organization.yaml:20)".
    public var because: String
    /// Where the facts came from: files and lines, commands, captures and flows, policy entries.
    public var sources: [String]
}

/// Computes every predicate for a circuit from the circuit, the organization's declarations and
/// the operator registry. Adding a predicate to `Predicate` makes this switch incomplete, so
/// the compiler asks for its evaluation.
public struct CircuitFacts: Sendable {
    public let circuit: Circuit
    let organization: OrganizationProfile?
    let operators: OperatorRegistry

    public init(circuit: Circuit, organization: OrganizationProfile?, operators: OperatorRegistry) {
        self.circuit = circuit
        self.organization = organization
        self.operators = operators
    }

    var approved: OrganizationProfile.ApprovedCircuit? { organization?.approvedCircuits.first { matches($0.match) } }
    var supplier: OrganizationProfile.Supplier? { organization?.suppliers.first { matches($0.match) } }
    var otherEntities: [OrganizationProfile.OtherEntity] {
        organization?.otherEntities.filter { entity in
            (!entity.match.isEmpty && matches(entity.match)) || entity.prefixes.contains { prefix in
                guard let range = AddressRange(prefix) else { return false }
                return (circuit.insideHosts + circuit.translatedNetworks.map { String($0.split(separator: "/").first ?? "") })
                    .contains { IPAddress($0).map(range.contains) ?? false }
                    || circuit.networks.contains(prefix) || circuit.translatedNetworks.contains(prefix)
            }
        } ?? []
    }

    var configSources: [String] { circuit.configuration.flatMap { $0.sources.map(\.description) } }
    var flowSources: [String] { circuit.flows.prefix(3).map(\.description) }

    public func evaluate(_ predicate: Predicate) -> Fact {
        switch predicate {
        case .always:
            return Fact(holds: true, because: "catch-all", sources: [])
        case .bothEndsMainland:
            let local = circuit.localLocation?.jurisdiction == .mainland
            let remote = circuit.remoteLocation?.jurisdiction == .mainland
            return Fact(holds: local && remote, because: "gateway \(place(circuit.localLocation)); far end \(place(circuit.remoteLocation))",
                        sources: locationSources)
        case .crossBorder:
            let abroad = circuit.remoteLocation?.jurisdiction == .crossBorder
            let internationalAS = circuit.remoteAS.flatMap { operators.owner(of: $0) }.map { $0.1.role == .international } ?? false
            var reason = "far end \(place(circuit.remoteLocation))"
            if internationalAS, let asn = circuit.remoteAS { reason += "; BGP neighbour AS\(asn) is a carrier's international network" }
            return Fact(holds: abroad || internationalAS, because: reason, sources: locationSources)
        case .locationUnknown:
            return Fact(holds: circuit.remoteLocation?.jurisdiction != .mainland && circuit.remoteLocation?.jurisdiction != .crossBorder,
                        because: "far end \(place(circuit.remoteLocation))", sources: locationSources)
        case .thirdPartySupplier:
            return Fact(holds: supplier != nil, because: supplier.map { "supplier \($0.name) is declared for it (\($0.definedAt))" } ?? "no supplier is declared for it",
                        sources: supplier.map { [$0.definedAt] } ?? [])
        case .supplierHasDomesticVPNLicence, .supplierHasISPLicence:
            let codes = supplier?.licences ?? []
            let wanted = predicate == .supplierHasDomesticVPNLicence ? "B13" : "B14"
            return Fact(holds: codes.contains(wanted), because: "supplier licences: \(codes.isEmpty ? "none declared" : codes.joined(separator: ", "))",
                        sources: supplier.map { [$0.definedAt] } ?? [])
        case .supplierLacksInternationalLicence:
            guard let supplier else { return Fact(holds: false, because: "no supplier is declared", sources: []) }
            let international = supplier.licences.filter { LicenceCode.international.contains($0) }
            return Fact(holds: international.isEmpty,
                        because: international.isEmpty ? "\(supplier.name) holds none of A11-4, A14-1, A14-4" : "\(supplier.name) holds \(international.joined(separator: ", "))",
                        sources: [supplier.definedAt])
        case .publicListener:
            let listens = circuit.role == .server && circuit.remote.isEmpty
            return Fact(holds: listens, because: listens ? "the gateway listens on \(circuit.local.map(\.description).joined(separator: ", "))" : "no listener of the gateway",
                        sources: configSources)
        case .manyExternalSources:
            let threshold = organization?.externalSourceThreshold ?? 10
            let count = circuit.externalSources.count
            return Fact(holds: count > threshold, because: "\(count) distinct external sources opened sessions (threshold \(threshold))",
                        sources: flowSources)
        case .natOfOutsideNetworks:
            let outside = circuit.translatedNetworks.filter { !isDeclared($0) }
            return Fact(holds: !outside.isEmpty,
                        because: outside.isEmpty ? "no network outside the organization's is translated into it" : "translates \(outside.joined(separator: ", ")), which no site of the organization declares",
                        sources: circuit.configuration.filter { CircuitCorrelator.translationTechnologies.contains($0.technology) }.flatMap { $0.sources.map(\.description) })
        case .billingArtefacts:
            return Fact(holds: false, because: "no billing or per-user account artefacts are declared or found", sources: [])
        case .carriesOtherEntityPrefixes:
            let entities = otherEntities
            return Fact(holds: !entities.isEmpty, because: entities.isEmpty ? "no other entity's prefixes are on it" : "carries prefixes of \(entities.map(\.name).joined(separator: ", "))",
                        sources: entities.map(\.definedAt))
        case .otherEntitiesAreAffiliates:
            let entities = otherEntities
            return Fact(holds: !entities.isEmpty && entities.allSatisfy(\.affiliate),
                        because: entities.map { "\($0.name) is \($0.affiliate ? "" : "not ")a declared affiliate" }.joined(separator: "; "),
                        sources: entities.map(\.definedAt))
        case .connectsDatacentres:
            let remoteSite = site(named: circuit.remoteLocation?.site)
            let localSite = localEndSite
            let both = [remoteSite, localSite].allSatisfy { $0.map { $0.kind == .datacenter || $0.kind == .platform } ?? false }
            return Fact(holds: both, because: "gateway site \(localSite.map { "\($0.name) (\($0.kind.rawValue))" } ?? "undeclared"); far site \(remoteSite.map { "\($0.name) (\($0.kind.rawValue))" } ?? "undeclared")",
                        sources: [localSite?.definedAt, remoteSite?.definedAt].compactMap { $0 })
        case .thirdPartyServicesAcross:
            let sites = [site(named: circuit.remoteLocation?.site), localEndSite].compactMap { $0 }
            let serving = sites.filter { !$0.publicServices.isEmpty }
            return Fact(holds: !serving.isEmpty, because: serving.isEmpty ? "no end declares services for third parties" : serving.map { "\($0.name) serves third parties at \($0.publicServices.joined(separator: ", "))" }.joined(separator: "; "),
                        sources: serving.map(\.definedAt))
        case .gatewayTerminatesTunnel:
            let terminates = circuit.origin != .seenUnconfigured && circuit.technology != "bgp"
            return Fact(holds: terminates, because: terminates ? "the gateway's configuration terminates it" : "the gateway's configuration does not define it",
                        sources: configSources)
        case .internetUnderlay:
            let onCarrier = approved != nil || circuit.technology == "bgp"
            return Fact(holds: !onCarrier, because: onCarrier ? "runs on a declared carrier hand-off" : "no carrier hand-off is declared for it: it runs over ordinary Internet access",
                        sources: approved.map { [$0.definedAt] } ?? [])
        case .carrierCircuitRecord:
            return Fact(holds: approved != nil,
                        because: approved.map { "approved circuit \($0.id): \($0.carrier), carrier circuit ID \($0.carrierCircuitID)" } ?? "no approved circuit is declared for it",
                        sources: approved.map { [$0.definedAt] } ?? [])
        case .licensedCarrierChinaLeg:
            let leg = approved?.chinaLeg
            let licensed = leg.map { name in operators.named(name).map { $0.international && $0.armOf == nil } ?? false } ?? false
            return Fact(holds: licensed, because: leg.map { "China leg by \($0)\(licensed ? ", a carrier licensed for cross-border lines" : ", not one of the three carriers")" } ?? "no China leg is declared",
                        sources: (approved.map { [$0.definedAt] } ?? []) + [operators.header.file])
        case .onlyOrganizationTraffic:
            let outsideHosts = circuit.insideHosts.filter { !isDeclared($0) }
            let outsideNetworks = circuit.translatedNetworks.filter { !isDeclared($0) }
            let clean = outsideHosts.isEmpty && outsideNetworks.isEmpty && circuit.externalSources.isEmpty && otherEntities.isEmpty
            return Fact(holds: clean, because: clean ? "every source seen or translated is the organization's" : "sources outside the organization: \((outsideHosts + outsideNetworks + circuit.externalSources).prefix(5).joined(separator: ", "))",
                        sources: flowSources)
        case .userFileOnRecord:
            return Fact(holds: approved?.userFile != nil,
                        because: approved?.userFile.map { "user file \($0.reference) of \($0.date)" } ?? "no user file is recorded",
                        sources: approved.map { [$0.definedAt] } ?? [])
        case .employeeDeviceTunnel:
            let device = circuit.origin == .seenUnconfigured
            return Fact(holds: device, because: device ? "inside device \(circuit.insideHosts.joined(separator: ", ")) runs it; the gateway's configuration does not" : "the gateway's configuration defines it",
                        sources: flowSources)
        case .consumerVPNOrCircumvention:
            let tunnelClass = circuit.tunnel?.tunnelClass
            let consumer = (tunnelClass == "vpn-service" || tunnelClass == "circumvention" || (circuit.tunnel?.product != nil && circuit.origin == .seenUnconfigured))
                && !sanctioned
            return Fact(holds: consumer, because: circuit.tunnel.map { "traffic is \($0.family)\($0.product.map { " (\($0))" } ?? ""): \($0.evidence)" } ?? "no tunnel seen in traffic",
                        sources: flowSources)
        case .sanctionedRemoteAccess:
            return Fact(holds: sanctioned, because: sanctioned ? "the far end is a declared remote-access service" : "the far end is no declared remote-access service", sources: [])
        case .asnOnlyEvidence:
            let asOnly = circuit.technology == "bgp" && approved == nil && circuit.remoteAS.flatMap { operators.owner(of: $0) } != nil
            return Fact(holds: asOnly, because: circuit.remoteAS.map { asn in
                operators.owner(of: asn).map { "neighbour AS\(asn) (\($0.1.name)) belongs to \($0.0.name), but no circuit is declared" } ?? "neighbour AS\(asn)"
            } ?? "no AS evidence", sources: configSources)
        case .foreignSupplierWithoutLicence:
            guard let supplier else { return Fact(holds: false, because: "no supplier is declared", sources: []) }
            let holds = supplier.foreign && supplier.licences.isEmpty
            return Fact(holds: holds, because: "\(supplier.name) is \(supplier.foreign ? "foreign" : "domestic") with \(supplier.licences.isEmpty ? "no PRC licence" : supplier.licences.joined(separator: ", "))",
                        sources: [supplier.definedAt])
        case .supplierSourcesFromUnlicensed:
            return Fact(holds: supplier?.sourcesFromUnlicensed == true, because: supplier.map { "\($0.name) \($0.sourcesFromUnlicensed ? "sources" : "does not source") transmission from an unlicensed party" } ?? "no supplier is declared",
                        sources: supplier.map { [$0.definedAt] } ?? [])
        case .contractPushesCompliance:
            guard let contract = supplier?.contract else { return Fact(holds: false, because: "no contract terms are declared", sources: []) }
            var terms: [String] = []
            if contract.complianceOnCustomer { terms.append("puts PRC compliance on the customer") }
            if !contract.prcLicenceWarranty { terms.append("gives no PRC licence warranty") }
            if !contract.regulatoryTermination { terms.append("has no termination on a regulatory order") }
            return Fact(holds: !terms.isEmpty, because: "contract \(contract.reference) " + (terms.isEmpty ? "has none of the risky terms" : terms.joined(separator: ", ")),
                        sources: [supplier!.definedAt])
        case .integratorInvoicesLine:
            return Fact(holds: supplier?.invoicesLineResource == true, because: supplier.map { "\($0.name) \($0.invoicesLineResource ? "invoices" : "does not invoice") the line resource" } ?? "no supplier is declared",
                        sources: supplier.map { [$0.definedAt] } ?? [])
        case .affiliateTrafficDeclared:
            let affiliates = otherEntities.filter(\.affiliate)
            return Fact(holds: !affiliates.isEmpty, because: affiliates.isEmpty ? "no affiliate traffic is declared" : "affiliates on it: \(affiliates.map(\.name).joined(separator: ", "))",
                        sources: affiliates.map(\.definedAt))
        case .dataTransfersDeclared:
            let transfers = organization?.transfers.filter { matches($0.match) } ?? []
            return Fact(holds: !transfers.isEmpty, because: transfers.isEmpty ? "no data transfer is declared on it" : "declared transfers: \(transfers.map { "\($0.dataset) to \($0.recipient) (\($0.country))" }.joined(separator: "; "))",
                        sources: transfers.map(\.definedAt))
        }
    }

    private var sanctioned: Bool {
        guard let address = circuit.remoteAddress.flatMap(IPAddress.init) else { return false }
        return organization?.remoteAccessServices.contains { service in
            service.remotes.contains { AddressRange($0)?.contains(address) == true }
        } ?? false
    }

    private var locationSources: [String] {
        [circuit.localLocation?.source, circuit.remoteLocation?.source].compactMap { $0 }
    }

    private func place(_ location: Location?) -> String {
        guard let location else { return "not located" }
        if let country = location.country {
            return "in \(country)\(location.site.map { " (\($0))" } ?? "") per \(location.source)"
        }
        if let special = location.specialRange { return "in a \(special) range, not declared by the organization" }
        return "not located: \(location.source)"
    }

    /// The declared site of the circuit's own end: the one holding its configured local address,
    /// else the gateway's.
    private var localEndSite: OrganizationProfile.Site? {
        for endpoint in circuit.local {
            guard let address = IPAddress(endpoint.host) else { continue }
            if let site = organization?.sites.first(where: { $0.ranges.contains { AddressRange($0)?.contains(address) == true } }) { return site }
        }
        return site(named: circuit.localLocation?.site)
    }

    private func site(named name: String?) -> OrganizationProfile.Site? {
        guard let name else { return nil }
        return organization?.sites.first { $0.name == name }
    }

    /// Whether an address or CIDR lies inside one of the organization's declared sites.
    private func isDeclared(_ text: String) -> Bool {
        let address = String(text.split(separator: "/").first ?? "")
        guard let ip = IPAddress(address), let organization else { return false }
        return organization.sites.contains { site in site.ranges.contains { AddressRange($0)?.contains(ip) == true } }
    }

    func matches(_ match: OrganizationProfile.CircuitMatch) -> Bool {
        guard !match.isEmpty else { return false }
        if let interface = circuit.interface, match.interfaces.contains(interface) { return true }
        if match.technologies.contains(circuit.technology), match.interfaces.isEmpty, match.remotes.isEmpty { return true }
        let remoteHosts = circuit.remote.map(\.host) + (circuit.remoteAddress.map { [$0] } ?? [])
        for remote in match.remotes {
            if remoteHosts.contains(remote) { return true }
            if let range = AddressRange(remote), remoteHosts.contains(where: { IPAddress($0).map(range.contains) ?? false }) { return true }
        }
        return false
    }
}
