// Example YARA rules for `assay scan --yara docs/yara/examples.yar`.
//
// assay matches user rules against every file of an artifact and against
// every payload it decodes (base64, zlib, hex, ... layers) or recovers
// (Python from bytecode, modules of an archive inside a file). A match is a
// finding of rule AY990 whose severity is the rule's `meta: severity`
// (info, low, medium, high, critical; medium when absent). The rules below
// describe techniques, not one sample: adapt them, do not trust them.

rule Python_Socket_Shell : python execution
{
    meta:
        description = "Python that hands a socket to a shell: a reverse or bind shell"
        severity = "critical"
        reference = "MITRE ATT&CK T1059.006"
    strings:
        $socket = /socket\.socket\s*\(/
        $dup2 = /\bdup2\s*\(\s*[A-Za-z_][A-Za-z_0-9.]*\.fileno\s*\(\s*\)/
        $shell1 = /["']\/bin\/(ba|z|da)?sh["']/
        $shell2 = /["'](cmd|powershell)(\.exe)?["']/ nocase
        $pty = /\bpty\.spawn\s*\(/
    condition:
        $socket and $dup2 and (any of ($shell*) or $pty)
}

rule Chat_Webhook_Exfiltration : exfiltration
{
    meta:
        description = "A chat webhook or bot endpoint with its secret, the usual drop box of stealers"
        severity = "high"
        reference = "MITRE ATT&CK T1567 (Exfiltration Over Web Service)"
    strings:
        $discord = /discord(app)?\.com\/api\/webhooks\/[0-9]{15,20}\/[A-Za-z0-9_\-]{40,}/
        $telegram = /api\.telegram\.org\/bot[0-9]{6,12}:[A-Za-z0-9_\-]{30,}\/send(Message|Document)/
    condition:
        any of them
}

rule Windows_Executable_Inside : native
{
    meta:
        description = "A Windows PE executable or DLL (worth knowing, rarely wrong alone)"
        severity = "info"
    condition:
        uint16(0) == 0x5A4D and uint32(0x3C) < filesize and uint32(uint32(0x3C)) == 0x00004550
}
