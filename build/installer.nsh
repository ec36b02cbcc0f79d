; Sidecall's additions to electron-builder's NSIS installer (nsis.include in
; electron-builder.yml; electron-builder compiles with -WX, so every warning
; is an error: installer-only variables and functions sit inside
; !ifndef BUILD_UNINSTALLER).
;
; 1. tel:, callto: and sip: for Windows' Default Apps. Windows ignores an app
;    that only calls setAsDefaultProtocolClient; Settings > Default apps lists
;    the handlers registered under RegisteredApplications with Capabilities.
;    Each scheme gets a ProgID whose command ends Sidecall's options with `--`
;    before the link, so nothing in a link can become a Chromium switch:
;        "C:\Program Files\Sidecall\Sidecall.exe" -- "%1"
;    Where no application handles a scheme yet, the scheme key itself is
;    created so links work without a visit to Default apps; a handler that is
;    already there (Teams, a softphone) is left alone.
; 2. Machine settings from the command line, written as Sidecall policy under
;    HKLM\Software\Policies\Sidecall (see docs/deployment.md; the table of
;    options is build/installer-options.json, which the MSI uses too):
;        Sidecall-Setup.exe /S /PBX_HOST=pbx.corp.lan /AMI_USER=sidecall /D=C:\Apps\Sidecall
;    ${GetOptions} ends a value at the next "/" (its delimiter), so URL-valued
;    options (/UPDATE_URL=) are read by sidecallUrlOption instead: up to the
;    next space, or between the quotes of /UPDATE_URL="https://...".
;    They go to the Recommended subkey (defaults the operator may change), or
;    to the key itself (locked) with /LOCK_SETTINGS=1. /D= must come last.
; 3. "Start Sidecall when I sign in", a checkbox page in the interactive
;    installer (on by default), or /START_AT_LOGIN=0|1 when silent: the
;    machine default of the shell.startAtLogin setting.
;
; The uninstaller removes 1 and leaves 2 and 3: policy belongs to IT, and an
; update runs the old uninstaller before the new installer, which is given no
; options and must not lose them.

!include LogicLib.nsh
!include FileFunc.nsh
!include nsDialogs.nsh

!define SIDECALL_CAPABILITIES "Software\${PRODUCT_NAME}\Capabilities"
!define SIDECALL_POLICY_KEY "Software\Policies\${PRODUCT_NAME}"
!define SIDECALL_COMMAND '"$INSTDIR\${APP_EXECUTABLE_FILENAME}" -- "%1"'

; ProgID for one scheme: a URL class Default Apps can point the scheme at.
!macro sidecallProgId SCHEME DESCRIPTION
  WriteRegStr HKLM "Software\Classes\${PRODUCT_NAME}.${SCHEME}" "" "${DESCRIPTION}"
  WriteRegStr HKLM "Software\Classes\${PRODUCT_NAME}.${SCHEME}" "URL Protocol" ""
  WriteRegStr HKLM "Software\Classes\${PRODUCT_NAME}.${SCHEME}\DefaultIcon" "" "$INSTDIR\${APP_EXECUTABLE_FILENAME},0"
  WriteRegStr HKLM "Software\Classes\${PRODUCT_NAME}.${SCHEME}\shell\open\command" "" '${SIDECALL_COMMAND}'
  WriteRegStr HKLM "${SIDECALL_CAPABILITIES}\URLAssociations" "${SCHEME}" "${PRODUCT_NAME}.${SCHEME}"
  ; The scheme itself, only where nothing handles it yet.
  ClearErrors
  ReadRegStr $0 HKCR "${SCHEME}\shell\open\command" ""
  ${If} ${Errors}
  ${OrIf} $0 == ""
    WriteRegStr HKLM "Software\Classes\${SCHEME}" "" "${DESCRIPTION}"
    WriteRegStr HKLM "Software\Classes\${SCHEME}" "URL Protocol" ""
    WriteRegStr HKLM "Software\Classes\${SCHEME}\shell\open\command" "" '${SIDECALL_COMMAND}'
  ${EndIf}
!macroend

!macro sidecallRemoveProgId SCHEME
  DeleteRegKey HKLM "Software\Classes\${PRODUCT_NAME}.${SCHEME}"
  ; The scheme key only if it still runs this Sidecall.
  ClearErrors
  ReadRegStr $0 HKLM "Software\Classes\${SCHEME}\shell\open\command" ""
  ${IfNot} ${Errors}
  ${AndIf} $0 == '${SIDECALL_COMMAND}'
    DeleteRegKey HKLM "Software\Classes\${SCHEME}"
  ${EndIf}
!macroend

!ifndef BUILD_UNINSTALLER
  Var sidecallStartCheckbox
  ; "1" or "0" once chosen (page or /START_AT_LOGIN=); empty: leave the setting alone.
  Var sidecallStartAtLogin

  ; One /OPTION=value from the command line into the policy key in $R7.
  ; TYPE string: REG_SZ as given (numbers too: the policy reader parses "5039").
  ; TYPE boolean: 1/true/yes or 0/false/no as REG_DWORD; anything else is skipped and logged.
  !macro sidecallPolicyOption OPTION PATH TYPE
    ClearErrors
    ${GetOptions} $R9 "/${OPTION}=" $R8
    ${IfNot} ${Errors}
      !if "${TYPE}" == "boolean"
        ${If} $R8 == "1"
        ${OrIf} $R8 == "true"
        ${OrIf} $R8 == "yes"
          WriteRegDWORD HKLM "$R7" "${PATH}" 1
        ${ElseIf} $R8 == "0"
        ${OrIf} $R8 == "false"
        ${OrIf} $R8 == "no"
          WriteRegDWORD HKLM "$R7" "${PATH}" 0
        ${Else}
          DetailPrint "Sidecall: /${OPTION}= takes 1 or 0; ignored"
        ${EndIf}
      !else
        WriteRegStr HKLM "$R7" "${PATH}" "$R8"
      !endif
    ${EndIf}
  !macroend

  ; A URL-valued /OPTION=value into the policy key in $R7, as REG_SZ.
  ; ${GetOptions} would give "https:" for /UPDATE_URL=https://host/path/ (it
  ; ends a value at the next "/"), so the value is read here to the next space,
  ; or between the quotes of /OPTION="value" (a URL has no spaces).
  !macro sidecallUrlOption OPTION PATH
    StrCpy $R3 ""
    StrLen $R6 "/${OPTION}="
    StrCpy $R5 0
    ${Do}
      StrCpy $R4 $R9 $R6 $R5
      ${If} $R4 == ""
        ${Break}
      ${EndIf}
      ${If} $R4 == "/${OPTION}="
        StrCpy $R3 "1"
        IntOp $R5 $R5 + $R6
        ${Break}
      ${EndIf}
      IntOp $R5 $R5 + 1
    ${Loop}
    ${If} $R3 == "1"
      ; The value from its first character on; it ends at a space, or at the closing quote.
      StrCpy $R8 $R9 "" $R5
      StrCpy $R4 $R8 1
      StrCpy $R6 " "
      ${If} $R4 == '"'
        StrCpy $R6 '"'
        StrCpy $R8 $R8 "" 1
      ${EndIf}
      StrCpy $R5 0
      ${Do}
        StrCpy $R4 $R8 1 $R5
        ${If} $R4 == ""
        ${OrIf} $R4 == $R6
          ${Break}
        ${EndIf}
        IntOp $R5 $R5 + 1
      ${Loop}
      StrCpy $R8 $R8 $R5
      WriteRegStr HKLM "$R7" "${PATH}" "$R8"
    ${EndIf}
  !macroend

  !macro customInit
    StrCpy $sidecallStartAtLogin ""
    ${GetParameters} $R9
    ClearErrors
    ${GetOptions} $R9 "/START_AT_LOGIN=" $R8
    ${IfNot} ${Errors}
      ${If} $R8 == "0"
      ${OrIf} $R8 == "false"
      ${OrIf} $R8 == "no"
        StrCpy $sidecallStartAtLogin "0"
      ${Else}
        StrCpy $sidecallStartAtLogin "1"
      ${EndIf}
    ${EndIf}
  !macroend

  !macro customPageAfterChangeDir
    Page custom sidecallStartPage sidecallStartPageLeave

    Function sidecallStartPage
      ; Updates keep what the machine has.
      ${If} ${isUpdated}
        Abort
      ${EndIf}
      nsDialogs::Create 1018
      Pop $0
      ${NSD_CreateLabel} 0 0 100% 24u "Sidecall lives in the notification area. It can start by itself when someone signs in to this computer (each operator can change this in Settings)."
      Pop $0
      ${NSD_CreateCheckbox} 0 30u 100% 12u "Start Sidecall when I sign in"
      Pop $sidecallStartCheckbox
      ${If} $sidecallStartAtLogin != "0"
        ${NSD_Check} $sidecallStartCheckbox
      ${EndIf}
      nsDialogs::Show
    FunctionEnd

    Function sidecallStartPageLeave
      ${NSD_GetState} $sidecallStartCheckbox $0
      ${If} $0 == ${BST_CHECKED}
        StrCpy $sidecallStartAtLogin "1"
      ${Else}
        StrCpy $sidecallStartAtLogin "0"
      ${EndIf}
    FunctionEnd
  !macroend

  !macro customInstall
    ; 1. Default Apps: Capabilities, RegisteredApplications and one ProgID per scheme.
    WriteRegStr HKLM "${SIDECALL_CAPABILITIES}" "ApplicationName" "${PRODUCT_NAME}"
    WriteRegStr HKLM "${SIDECALL_CAPABILITIES}" "ApplicationDescription" "Calls phone numbers from tel:, callto: and sip: links through your Asterisk PBX."
    WriteRegStr HKLM "${SIDECALL_CAPABILITIES}" "ApplicationIcon" "$INSTDIR\${APP_EXECUTABLE_FILENAME},0"
    !insertmacro sidecallProgId "tel" "URL:Telephone number"
    !insertmacro sidecallProgId "callto" "URL:Callto link"
    !insertmacro sidecallProgId "sip" "URL:SIP address"
    WriteRegStr HKLM "Software\RegisteredApplications" "${PRODUCT_NAME}" "${SIDECALL_CAPABILITIES}"

    ; 2. Policy from the command line (build/installer-options.json).
    ${GetParameters} $R9
    ClearErrors
    ${GetOptions} $R9 "/LOCK_SETTINGS=" $R8
    ${If} ${Errors}
    ${OrIf} $R8 != "1"
      StrCpy $R7 "${SIDECALL_POLICY_KEY}\Recommended"
    ${Else}
      StrCpy $R7 "${SIDECALL_POLICY_KEY}"
    ${EndIf}
    !insertmacro sidecallPolicyOption "PBX_HOST" "pbx.host" string
    !insertmacro sidecallPolicyOption "PBX_PORT" "pbx.port" string
    !insertmacro sidecallPolicyOption "PBX_TLS" "pbx.tls" boolean
    !insertmacro sidecallPolicyOption "AMI_USER" "pbx.amiUser" string
    !insertmacro sidecallUrlOption "UPDATE_URL" "updates.url"
    !insertmacro sidecallPolicyOption "UPDATES_ENABLED" "updates.enabled" boolean

    ; 3. Start at login, from the page or /START_AT_LOGIN=.
    ${If} $sidecallStartAtLogin == "1"
      WriteRegDWORD HKLM "$R7" "shell.startAtLogin" 1
    ${ElseIf} $sidecallStartAtLogin == "0"
      WriteRegDWORD HKLM "$R7" "shell.startAtLogin" 0
    ${EndIf}
  !macroend
!endif

!macro customUnInstall
  ; An update runs this before the new version's installer, which writes it all again.
  ${IfNot} ${isUpdated}
    DeleteRegValue HKLM "Software\RegisteredApplications" "${PRODUCT_NAME}"
    DeleteRegKey HKLM "Software\${PRODUCT_NAME}\Capabilities"
    DeleteRegKey /ifempty HKLM "Software\${PRODUCT_NAME}"
    !insertmacro sidecallRemoveProgId "tel"
    !insertmacro sidecallRemoveProgId "callto"
    !insertmacro sidecallRemoveProgId "sip"
  ${EndIf}
!macroend
