import ArgumentParser
import Detection

struct DetectorsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "detectors",
        abstract: "List the tunnel families detection recognises, one line each."
    )

    func run() {
        let detectors = DetectorRegistry.all()
        let width = detectors.map { $0.family.id.count }.max() ?? 0
        for detector in detectors {
            let family = detector.family
            let padding = String(repeating: " ", count: width - family.id.count)
            print("\(family.id)\(padding)  \(family.tunnelClass.rawValue.padding(13))  \(detector.summary)")
        }
    }
}

extension String {
    fileprivate func padding(_ width: Int) -> String {
        self + String(repeating: " ", count: max(0, width - count))
    }
}
