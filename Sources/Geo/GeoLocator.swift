import Packets

/// Answers "where is this address?" for the audit, from the organization's declarations first,
/// then the special-purpose ranges, then each address database in turn.
public struct GeoLocator: Sendable {
    /// A range the organization declared: a site with its country.
    public struct DeclaredRange: Sendable {
        public var range: AddressRange
        public var site: String
        public var country: String
        /// Where it was declared, e.g. `organization.yaml:14 (sites[1].ranges[0])`.
        public var source: String

        public init(range: AddressRange, site: String, country: String, source: String) {
            self.range = range
            self.site = site
            self.country = country
            self.source = source
        }
    }

    public var declared: [DeclaredRange]
    public var databases: [any AddressDatabase]

    public init(declared: [DeclaredRange] = [], databases: [any AddressDatabase] = []) {
        self.declared = declared
        self.databases = databases
    }

    public func locate(_ address: IPAddress) -> Location {
        // The most specific declaration wins.
        if let match = declared.filter({ $0.range.contains(address) }).max(by: { $0.range.prefixLength < $1.range.prefixLength }) {
            return Location(country: match.country, site: match.site, source: match.source)
        }
        if let special = SpecialRanges.name(of: address) {
            return Location(specialRange: special, source: "\(special): not placeable by any database; declare it in the organization file")
        }
        var location = Location(source: "")
        var sources: [String] = []
        for database in databases {
            guard let answer = database.lookup(address) else { continue }
            if location.country == nil, let country = answer.country {
                location.country = country
                sources.append(database.description)
            }
            if location.asn == nil, let asn = answer.asn {
                location.asn = asn
                location.asOrganization = answer.organization
                if !sources.contains(database.description) { sources.append(database.description) }
            }
        }
        location.source = sources.isEmpty ? "not found in any address database" : sources.joined(separator: "; ")
        return location
    }
}
