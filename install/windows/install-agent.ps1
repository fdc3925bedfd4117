# Installs the Wardwatch agent as a Windows service from an unpacked bundle (see
# wardwatch-agent.xml for what the bundle holds). Run as Administrator, from the bundle directory,
# once per machine (software distribution runs it unattended):
#   powershell -ExecutionPolicy Bypass -File install-agent.ps1 -Config \\deploy\wardwatch\terminal.yaml
# The config is checked before anything is installed; a machine that already runs the agent gets
# its config replaced and the service restarted.
param(
  [Parameter(Mandatory = $true)][string]$Config
)
$ErrorActionPreference = 'Stop'
$bundle = $PSScriptRoot
$dataRoot = Join-Path $env:ProgramData 'Wardwatch'
$service = 'WardwatchAgent'

foreach ($part in 'wardwatch-agent.exe', 'wardwatch-agent.xml', 'node.exe', 'dist\cli\main.js') {
  if (-not (Test-Path (Join-Path $bundle $part))) { throw "the bundle lacks $part" }
}

# Data, spool and logs under ProgramData; only administrators, SYSTEM and the service's account
# may read them, because the config may name a broker password file.
New-Item -ItemType Directory -Force -Path $dataRoot, "$dataRoot\data", "$dataRoot\logs" | Out-Null
& icacls.exe $dataRoot /inheritance:r /grant:r 'BUILTIN\Administrators:(OI)(CI)F' 'NT AUTHORITY\SYSTEM:(OI)(CI)F' 'NT AUTHORITY\LocalService:(OI)(CI)M' | Out-Null
if ($LASTEXITCODE -ne 0) { throw "icacls could not set the permissions of $dataRoot" }

Copy-Item -Force $Config "$dataRoot\agent.yaml.new"
& (Join-Path $bundle 'node.exe') (Join-Path $bundle 'dist\cli\main.js') agent --config "$dataRoot\agent.yaml.new" --check
if ($LASTEXITCODE -ne 0) { Remove-Item "$dataRoot\agent.yaml.new"; throw "$Config has errors (above); nothing was changed" }
Move-Item -Force "$dataRoot\agent.yaml.new" "$dataRoot\agent.yaml"

$wrapper = Join-Path $bundle 'wardwatch-agent.exe'
if (Get-Service -Name $service -ErrorAction SilentlyContinue) {
  & $wrapper restart
} else {
  & $wrapper install
  if ($LASTEXITCODE -ne 0) { throw 'WinSW could not install the service' }
  & $wrapper start
}
if ($LASTEXITCODE -ne 0) { throw "the service did not start: see $dataRoot\logs" }
Get-Service -Name $service | Format-Table -AutoSize Name, Status, StartType
