import CProcfs

extension SignalDelivery {
    /// Reads a delivery from the flat copy of a siginfo_t (PTRACE_GETSIGINFO), taking only the fields that the
    /// signal's si_code says were filled: the union's members overlap, so si_pid of a fault is its address.
    init(signal: Signal, siginfo info: cprocfs_siginfo) {
        self.init(signal: signal, code: SiginfoCode(signal: signal, code: info.code))
        errno = info.errno_value
        switch code.origin {
        case .process, .child:
            senderPid = info.pid
            senderUid = info.uid
            if code.origin == .child { childStatus = info.status }
        case .timer:
            timerId = info.timer_id
            timerOverrun = info.overrun
        case .fault:
            faultAddress = info.addr
        case .poll:
            pollDescriptor = info.fd
            pollBand = info.band
        case .syscall:
            syscall = info.syscall
            faultAddress = info.addr
        case .kernel:
            break
        }
        if code.carriesValue {
            valueInt = info.value_int
            valuePointer = info.value_ptr
        }
    }
}
