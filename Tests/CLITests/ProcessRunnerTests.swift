import TestSupport
import XCTest

/// The CLI suites run the executable hundreds of times in one test process; each run must give
/// back its descriptors, or Foundation's `Process.run()` crashes once about 1,350 are open.
final class ProcessRunnerTests: XCTestCase {
    func testEveryRunGivesBackItsDescriptorsWithOrWithoutInput() throws {
        let leaked = try OpenDescriptors.leaked(by: 20) {
            XCTAssertEqual(try ProcessRunner.run("/bin/true", []).status, 0)
            XCTAssertEqual(try ProcessRunner.run("/bin/cat", [], input: "routes").stdout, "routes")
        }
        XCTAssertLessThan(leaked, 5)
    }
}
