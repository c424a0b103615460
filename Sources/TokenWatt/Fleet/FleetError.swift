/// Why a workload cannot be run.
public struct FleetError: Error, CustomStringConvertible, Sendable {
    public let description: String

    public init(description: String) { self.description = description }

    /// Runs `body`, naming `file` in front of a fleet error it throws (a scenario's deployment
    /// that cannot run is found after the file has been read).
    public static func naming<T>(_ file: String, _ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as FleetError { throw FleetError(description: "\(file): \(e.description)") }
    }
}
