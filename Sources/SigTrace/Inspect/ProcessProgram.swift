extension ProcessReport {
    /// The knowledge base's entry for this process: the program itself (nginx, gunicorn, supervisord), else its
    /// runtime (Go, Node, Python); nil for a program it does not know.
    public var program: ProgramEntry? {
        ProgramKnowledge.program(executable: snapshot.exe, comm: snapshot.status.name, commandLine: snapshot.cmdline)
            ?? ProgramKnowledge.program(runtime: runtime)
    }
}
