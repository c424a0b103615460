import Foundation

/// The temporary files of outputs not yet renamed into place, removed when the run is stopped by
/// a signal (SIGINT, SIGTERM, SIGHUP). A `trace --per-request` of a long log stopped by Ctrl-C or
/// a job scheduler's SIGTERM left its `.NAME.tmp-PID` beside the target, as large as the rows
/// written so far; every other way a run ends already removes or renames it.
///
/// The signal handler may only make async-signal-safe calls, so the paths sit in fixed slots of
/// C strings, read by `unlink(2)` with no Swift collection, lock or allocation in between.
enum TemporaryFiles {
    static let capacity = 64
    nonisolated(unsafe) static let slots: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?> = {
        let p = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: capacity)
        p.initialize(repeating: nil, count: capacity)
        return p
    }()

    /// Records `path` for removal on a signal (left on a signal, as before, when every slot is taken).
    static func remember(_ path: String) {
        guard let i = (0..<capacity).first(where: { slots[$0] == nil }) else { return }
        slots[i] = strdup(path)
    }

    /// Once `path` is renamed into place or removed.
    static func forget(_ path: String) {
        for i in 0..<capacity {
            guard let p = slots[i], String(cString: p) == path else { continue }
            slots[i] = nil
            free(p)
        }
    }

    /// Installs the handler for the signals that stop a run, leaving a signal ignored if it was
    /// ignored when the run started (`nohup`, a background job's SIGINT).
    static func removeOnSignal() {
        for sig in [SIGINT, SIGTERM, SIGHUP] {
            var old = sigaction()
            guard sigaction(sig, nil, &old) == 0, !isIgnored(old) else { continue }
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { sig in
                for i in 0..<TemporaryFiles.capacity { if let p = TemporaryFiles.slots[i] { unlink(p) } }
                // Then die of the signal as before, so a shell or scheduler sees how the run ended.
                signal(sig, SIG_DFL)
                raise(sig)
            }
            sigemptyset(&action.sa_mask)
            sigaction(sig, &action, nil)
            // A run started by a thread that blocks signals (posix_spawn passes the mask on, as
            // from a test runner's worker thread) could not be stopped by them at all.
            var unblock = sigset_t()
            sigemptyset(&unblock)
            sigaddset(&unblock, sig)
            pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
        }
    }

    private static func isIgnored(_ a: sigaction) -> Bool {
        guard let h = a.__sigaction_handler.sa_handler else { return false }  // SIG_DFL is null
        return unsafeBitCast(h, to: Int.self) == 1  // SIG_IGN is handler 1 in glibc's signal.h
    }
}
