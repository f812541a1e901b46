import Detection
import XCTest

final class TeamViewerDetectorTests: XCTestCase {
    func testRouterServerNameIsLikelyRemoteAccess() {
        let flow = makeFlow(.tcp, server: 443, [(.forward, TLSSampleBuilder.clientHello(serverName: "router15.teamviewer.com"))])
        let found = verdict(TeamViewerDetector().examine(flow))
        XCTAssertEqual(found?.family, .teamviewer)
        XCTAssertFalse(found!.family.tunnelClass.isTunnel)
    }

    func testOrdinaryTLSIsNotTeamViewer() {
        XCTAssertEqual(TeamViewerDetector().examine(ordinaryTLS("github.com")), .notThis)
    }
}
