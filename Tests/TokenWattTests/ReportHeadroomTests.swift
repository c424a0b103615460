import Foundation
import Testing
@testable import TokenWatt

/// The test-time table's headroom caveat compares with a relative tolerance.
extension ReportTests {
    /// A headroom of 0.2000000001 against the default 0.2 (float noise, say from a generated
    /// file) had marked the multiple "other headroom", "20 % against 20 %"; a real excess is still marked.
    @Test func headroomCaveatIgnoresFloatNoise() throws {
        let lr = #"{"kind": "long-reasoning", "factor": 4}"#
        func same(_ s: String, headroom: String) -> String {
            s.replacingOccurrences(of: #""kind": "kernel","#, with: #""kind": "kernel", "sameDrawsAs": "single", "headroom": \#(headroom),"#)
        }
        let r = try report(scenario("single", namedClass("chat")),
                           same(scenario("noise", namedClass("chat", strategy: lr)), headroom: "0.2000000001"),
                           same(scenario("more", namedClass("chat", strategy: lr)), headroom: "0.21"))
        let md = r.files()[0].text
        let rows = md.split(separator: "\n").map(String.init)
        func row(_ name: String) -> String { rows.first { $0.hasPrefix("| \(name) | chat |") } ?? "" }
        #expect(row("noise").hasSuffix(" |  |"), "\(row("noise"))")
        #expect(!md.contains("- `noise` class `chat`: another headroom"), "\(md)")
        #expect(row("more").hasSuffix("| other headroom |"), "\(row("more"))")
        #expect(md.contains("- `more` class `chat`: another headroom than `single`'s: 21 % against 20 %"), "\(md)")
        // Near zero the tolerance is absolute (1e-12 against 0 had been "0 % against 0 %"), and
        // two headrooms that differ are printed with the decimals that tell them apart.
        #expect(WorkloadReport.nearlyEqual(1e-12, 0) && !WorkloadReport.nearlyEqual(0.2004, 0.2))
        let (a, b) = WorkloadReport.distinctPercents(0.2004, 0.2)
        #expect(a != b && a.hasPrefix("20.04"), "\(a) against \(b)")
    }
}
