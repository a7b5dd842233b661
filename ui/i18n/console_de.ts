<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="de_DE">
  <context>
    <name>AdminScreen</name>
    <message>
      <location filename="../console/admin.py" line="71" />
      <source>Operator accounts</source>
      <translation>Bedienerkonten</translation>
    </message>
    <message>
      <location filename="../console/admin.py" line="72" />
      <source>Select an account for disable, reset or unlock; the password field sets the new password. Every change is audited.</source>
      <translation>Konto auswählen zum Sperren, Zurücksetzen oder Entsperren; das Passwortfeld setzt das neue Passwort. Jede Änderung wird protokolliert.</translation>
    </message>
    <message>
      <location filename="../console/admin.py" line="74" />
      <source>User name</source>
      <translation>Benutzername</translation>
    </message>
    <message>
      <location filename="../console/admin.py" line="74" />
      <source>Role</source>
      <translation>Rolle</translation>
    </message>
    <message>
      <location filename="../console/admin.py" line="74" />
      <source>Status</source>
      <translation>Status</translation>
    </message>
    <message>
      <location filename="../console/admin.py" line="75" />
      <source>Locked until (UTC)</source>
      <translation>Gesperrt bis (UTC)</translation>
    </message>
    <message>
      <location filename="../console/admin.py" line="76" />
      <source>new user name</source>
      <translation>neuer Benutzername</translation>
    </message>
    <message>
      <location filename="../console/admin.py" line="77" />
      <source>password (at least 12 characters)</source>
      <translation>Passwort (mindestens 12 Zeichen)</translation>
    </message>
    <message>
      <location filename="../console/admin.py" line="78" />
      <source>Create account</source>
      <translation>Konto anlegen</translation>
    </message>
    <message>
      <location filename="../console/admin.py" line="79" />
      <source>Disable</source>
      <translation>Deaktivieren</translation>
    </message>
    <message>
      <location filename="../console/admin.py" line="80" />
      <source>Reset password</source>
      <translation>Passwort zurücksetzen</translation>
    </message>
    <message>
      <location filename="../console/admin.py" line="81" />
      <source>Unlock</source>
      <translation>Entsperren</translation>
    </message>
    <message>
      <location filename="../console/admin.py" line="95" />
      <source>Choose an account first.</source>
      <translation>Bitte zuerst ein Konto auswählen.</translation>
    </message>
    <message>
      <location filename="../console/admin.py" line="96" />
      <source>Enter a user name.</source>
      <translation>Bitte einen Benutzernamen eingeben.</translation>
    </message>
    <message>
      <location filename="../console/admin.py" line="108" />
      <source>disabled</source>
      <translation>deaktiviert</translation>
    </message>
    <message>
      <location filename="../console/admin.py" line="108" />
      <source>locked</source>
      <translation>gesperrt</translation>
    </message>
    <message>
      <location filename="../console/admin.py" line="108" />
      <source>active</source>
      <translation>aktiv</translation>
    </message>
    <message>
      <location filename="../console/admin.py" line="109" />
      <source>tampered: restore it with 'kiosk operator restore'</source>
      <translation>manipuliert: mit 'kiosk operator restore' neu setzen</translation>
    </message>
  </context>
  <context>
    <name>CaseScreen</name>
    <message>
      <location filename="../console/case.py" line="169" />
      <source>Chip portrait (DG2)</source>
      <translation>Chip-Lichtbild (DG2)</translation>
    </message>
    <message>
      <location filename="../console/case.py" line="170" />
      <source>Best live frame</source>
      <translation>Bestes Live-Bild</translation>
    </message>
    <message>
      <location filename="../console/case.py" line="172" />
      <location filename="../console/case.py" line="225" />
      <source>Audit frame {0}</source>
      <translation>Prüfbild {0}</translation>
    </message>
    <message>
      <location filename="../console/case.py" line="173" />
      <source>Face match</source>
      <translation>Gesichtsvergleich</translation>
    </message>
    <message>
      <location filename="../console/case.py" line="174" />
      <source>Why this case is here</source>
      <translation>Warum dieser Fall hier ist</translation>
    </message>
    <message>
      <location filename="../console/case.py" line="175" />
      <source>Passport chip</source>
      <translation>Pass-Chip</translation>
    </message>
    <message>
      <location filename="../console/case.py" line="176" />
      <source>Liveness</source>
      <translation>Lebenderkennung</translation>
    </message>
    <message>
      <location filename="../console/case.py" line="177" />
      <source>History of this document</source>
      <translation>Verlauf dieses Dokuments</translation>
    </message>
    <message>
      <location filename="../console/case.py" line="179" />
      <source>Details</source>
      <translation>Details</translation>
    </message>
    <message>
      <location filename="../console/case.py" line="180" />
      <source>Re-check evidence</source>
      <translation>Nachweis prüfen</translation>
    </message>
    <message>
      <location filename="../console/case.py" line="330" />
      <source>Checking...</source>
      <translation>Wird geprüft...</translation>
    </message>
    <message>
      <location filename="../console/case.py" line="340" />
      <source>({0} parts passed; hover for each)</source>
      <translation>({0} Teile bestanden; Zeiger darauf zeigt jedes)</translation>
    </message>
    <message>
      <location filename="../console/case.py" line="180" />
      <source>Note (required): what you compared and why you decide so</source>
      <translation>Notiz (Pflicht): was Sie verglichen haben und warum Sie so entscheiden</translation>
    </message>
    <message>
      <location filename="../console/case.py" line="181" />
      <source>Approve (Alt+A)</source>
      <translation>Annehmen (Alt+A)</translation>
    </message>
    <message>
      <location filename="../console/case.py" line="182" />
      <source>Reject (Alt+R)</source>
      <translation>Ablehnen (Alt+R)</translation>
    </message>
    <message>
      <location filename="../console/case.py" line="183" />
      <source>Reopen</source>
      <translation>Wieder öffnen</translation>
    </message>
    <message>
      <location filename="../console/case.py" line="184" />
      <source>Export HTML</source>
      <translation>Als HTML exportieren</translation>
    </message>
    <message>
      <location filename="../console/case.py" line="185" />
      <source>with images</source>
      <translation>mit Bildern</translation>
    </message>
    <message>
      <location filename="../console/case.py" line="186" />
      <source>Back to queue</source>
      <translation>Zurück zur Warteschlange</translation>
    </message>
    <message>
      <location filename="../console/case.py" line="187" />
      <source>Confirm (Enter)</source>
      <translation>Bestätigen (Enter)</translation>
    </message>
    <message>
      <location filename="../console/case.py" line="188" />
      <source>Cancel (Esc)</source>
      <translation>Abbrechen (Esc)</translation>
    </message>
    <message>
      <location filename="../console/case.py" line="203" />
      <source>waiting for review</source>
      <translation>wartet auf Prüfung</translation>
    </message>
    <message>
      <location filename="../console/case.py" line="203" />
      <source>reviewed</source>
      <translation>geprüft</translation>
    </message>
    <message>
      <location filename="../console/case.py" line="204" />
      <source>not flagged</source>
      <translation>nicht markiert</translation>
    </message>
    <message>
      <location filename="../console/case.py" line="205" />
      <source>Case {0}  ·  {1}, {2} mode  ·  decided {3:%Y-%m-%d %H:%M} UTC ({4:.1f} h ago)  ·  kiosk decision {5}  ·  {6}</source>
      <translation>Fall {0}  ·  {1}, Modus {2}  ·  entschieden {3:%Y-%m-%d %H:%M} UTC (vor {4:.1f} h)  ·  Kiosk-Entscheidung {5}  ·  {6}</translation>
    </message>
    <message>
      <location filename="../console/case.py" line="210" />
      <source>{0}, {1}  ·  nationality {2}  ·  born {3}  ·  document expires {4}</source>
      <translation>{0}, {1}  ·  Staatsangehörigkeit {2}  ·  geboren {3}  ·  Dokument gültig bis {4}</translation>
    </message>
    <message>
      <location filename="../console/case.py" line="214" />
      <source>No identity data (no chip read).</source>
      <translation>Keine Personendaten (Chip nicht gelesen).</translation>
    </message>
    <message>
      <location filename="../console/case.py" line="217" />
      <source>Integrity problem: {0}. Do not act on this case; call a supervisor.</source>
      <translation>Integritätsproblem: {0}. Diesen Fall nicht bearbeiten; Vorgesetzte rufen.</translation>
    </message>
    <message>
      <location filename="../console/case.py" line="220" />
      <source>no portrait (purged or not read)</source>
      <translation>kein Lichtbild (gelöscht oder nicht gelesen)</translation>
    </message>
    <message>
      <location filename="../console/case.py" line="221" />
      <source>no live frame (purged or none)</source>
      <translation>kein Live-Bild (gelöscht oder keines)</translation>
    </message>
    <message>
      <location filename="../console/case.py" line="227" />
      <source>no audit frames</source>
      <translation>keine Prüfbilder</translation>
    </message>
    <message>
      <location filename="../console/case.py" line="229" />
      <source>no match</source>
      <translation>keine Übereinstimmung</translation>
    </message>
    <message>
      <location filename="../console/case.py" line="229" />
      <source>borderline</source>
      <translation>grenzwertig</translation>
    </message>
    <message>
      <location filename="../console/case.py" line="229" />
      <source>match</source>
      <translation>Übereinstimmung</translation>
    </message>
    <message>
      <location filename="../console/case.py" line="230" />
      <source>Clear match</source>
      <translation>Eindeutige Übereinstimmung</translation>
    </message>
    <message>
      <location filename="../console/case.py" line="230" />
      <source>Borderline: a person must compare</source>
      <translation>Grenzwertig: ein Mensch muss vergleichen</translation>
    </message>
    <message>
      <location filename="../console/case.py" line="231" />
      <source>Not the same person by the model</source>
      <translation>Laut Modell nicht dieselbe Person</translation>
    </message>
    <message>
      <location filename="../console/case.py" line="231" />
      <source>Not measured</source>
      <translation>Nicht gemessen</translation>
    </message>
    <message>
      <location filename="../console/case.py" line="232" />
      <source>  (score {0}; review from {1}, accept from {2})</source>
      <translation>  (Wert {0}; Prüfung ab {1}, Annahme ab {2})</translation>
    </message>
    <message>
      <location filename="../console/case.py" line="236" />
      <source>No reasons recorded.</source>
      <translation>Keine Gründe erfasst.</translation>
    </message>
    <message>
      <location filename="../console/case.py" line="258" />
      <source>passed</source>
      <translation>bestanden</translation>
    </message>
    <message>
      <location filename="../console/case.py" line="258" />
      <source>flagged</source>
      <translation>auffällig</translation>
    </message>
    <message>
      <location filename="../console/case.py" line="258" />
      <source>not run</source>
      <translation>nicht durchgeführt</translation>
    </message>
    <message>
      <location filename="../console/case.py" line="259" />
      <source>Quality gate: {0} (score {1})</source>
      <translation>Qualitätsprüfung: {0} (Wert {1})</translation>
    </message>
    <message>
      <location filename="../console/case.py" line="262" />
      <source>failed: {0}</source>
      <translation>nicht bestanden: {0}</translation>
    </message>
    <message>
      <location filename="../console/case.py" line="263" />
      <source>Challenge: {0}</source>
      <translation>Bewegungsaufgabe: {0}</translation>
    </message>
    <message>
      <location filename="../console/case.py" line="265" />
      <source>{0}. {1}: {2}{3}</source>
      <translation>{0}. {1}: {2}{3}</translation>
    </message>
    <message>
      <location filename="../console/case.py" line="270" />
      <source>Planarity: {0}, {1} (score {2}, threshold {3})</source>
      <translation>Planarität: {0}, {1} (Wert {2}, Schwelle {3})</translation>
    </message>
    <message>
      <location filename="../console/case.py" line="271" />
      <source>moves like a flat photo</source>
      <translation>bewegt sich wie ein flaches Foto</translation>
    </message>
    <message>
      <location filename="../console/case.py" line="271" />
      <source>moves like a real head</source>
      <translation>bewegt sich wie ein echter Kopf</translation>
    </message>
    <message>
      <location filename="../console/case.py" line="274" />
      <source>Passive liveness: {0} (score {1} against {2}, {3})</source>
      <translation>Passive Lebenderkennung: {0} (Wert {1} gegen {2}, {3})</translation>
    </message>
    <message>
      <location filename="../../kiosk/console/case_text.py" line="39" />
      <source>Screen-flash check: {0} (correlation {1} against {2})</source>
      <translation>Bildschirm-Blitzprüfung: {0} (Korrelation {1} gegen {2})</translation>
    </message>
    <message>
      <location filename="../console/case.py" line="279" />
      <source>Earlier sessions of this document: {0}</source>
      <translation>Frühere Sitzungen dieses Dokuments: {0}</translation>
    </message>
    <message>
      <location filename="../console/case.py" line="279" />
      <location filename="../console/case.py" line="282" />
      <source>none</source>
      <translation>keine</translation>
    </message>
    <message>
      <location filename="../console/case.py" line="282" />
      <source>Same face with another document (1:N): {0}</source>
      <translation>Dasselbe Gesicht mit anderem Dokument (1:N): {0}</translation>
    </message>
    <message>
      <location filename="../console/case.py" line="285" />
      <source>Clerk of this assisted session: {0}</source>
      <translation>Sachbearbeiter dieser begleiteten Sitzung: {0}</translation>
    </message>
    <message>
      <location filename="../console/case.py" line="286" />
      <source>Reviews:</source>
      <translation>Prüfungen:</translation>
    </message>
    <message>
      <location filename="../console/case.py" line="286" />
      <source>Reviews: none yet</source>
      <translation>Prüfungen: noch keine</translation>
    </message>
    <message>
      <location filename="../console/case.py" line="297" />
      <source>Write a note first (at least 5 characters): what did you compare?</source>
      <translation>Bitte zuerst eine Notiz schreiben (mindestens 5 Zeichen): was haben Sie verglichen?</translation>
    </message>
    <message>
      <location filename="../console/case.py" line="301" />
      <source>APPROVE this case?</source>
      <translation>Diesen Fall ANNEHMEN?</translation>
    </message>
    <message>
      <location filename="../console/case.py" line="301" />
      <source>REJECT this case?</source>
      <translation>Diesen Fall ABLEHNEN?</translation>
    </message>
    <message>
      <location filename="../console/case.py" line="302" />
      <source>Note: {0}</source>
      <translation>Notiz: {0}</translation>
    </message>
    <message>
      <location filename="../console/case.py" line="327" />
      <source>Write in the note why the case is reopened.</source>
      <translation>Bitte in der Notiz begründen, warum der Fall wieder geöffnet wird.</translation>
    </message>
    <message>
      <source>Passive authentication</source>
      <translation>Passive Authentisierung</translation>
    </message>
    <message>
      <source>Chip / active authentication</source>
      <translation>Chip- / aktive Authentisierung</translation>
    </message>
    <message>
      <source>Chip data equals data page</source>
      <translation>Chipdaten gleich Datenseite</translation>
    </message>
    <message>
      <source>Expiry</source>
      <translation>Gültigkeit</translation>
    </message>
    <message>
      <source>Genuine: signed by the issuing country, data unchanged</source>
      <translation>Echt: vom Ausstellerstaat signiert, Daten unverändert</translation>
    </message>
    <message>
      <source>Failed: the chip's data or its signature is not valid</source>
      <translation>Fehlgeschlagen: Chipdaten oder Signatur ungültig</translation>
    </message>
    <message>
      <source>Not checked</source>
      <translation>Nicht geprüft</translation>
    </message>
    <message>
      <source>Incomplete: data signed and unchanged, but the issuing country's certificate is unknown</source>
      <translation>Unvollständig: Daten signiert und unverändert, aber das Zertifikat des Ausstellerstaats ist unbekannt</translation>
    </message>
    <message>
      <source>Failed: the chip could not prove it is the original</source>
      <translation>Fehlgeschlagen: der Chip konnte nicht beweisen, dass er das Original ist</translation>
    </message>
    <message>
      <source>Passed: the chip proved it is the original (not a copy)</source>
      <translation>Bestanden: der Chip hat bewiesen, dass er das Original ist (keine Kopie)</translation>
    </message>
    <message>
      <source>Not offered by this chip</source>
      <translation>Von diesem Chip nicht angeboten</translation>
    </message>
    <message>
      <source>The chip's data equals the printed data page</source>
      <translation>Die Chipdaten stimmen mit der gedruckten Datenseite überein</translation>
    </message>
    <message>
      <source>The chip's data differs from the page</source>
      <translation>Die Chipdaten weichen von der Datenseite ab</translation>
    </message>
    <message>
      <source>Not compared</source>
      <translation>Nicht verglichen</translation>
    </message>
    <message>
      <source>Valid (not expired)</source>
      <translation>Gültig (nicht abgelaufen)</translation>
    </message>
    <message>
      <source>Expired</source>
      <translation>Abgelaufen</translation>
    </message>
    <message>
      <source>Unknown</source>
      <translation>Unbekannt</translation>
    </message>
    <message>
      <source>turn left</source>
      <translation>nach links drehen</translation>
    </message>
    <message>
      <source>turn right</source>
      <translation>nach rechts drehen</translation>
    </message>
    <message>
      <source>look up</source>
      <translation>nach oben schauen</translation>
    </message>
    <message>
      <source>look down</source>
      <translation>nach unten schauen</translation>
    </message>
    <message>
      <source>blink</source>
      <translation>blinzeln</translation>
    </message>
    <message>
      <source>nose to target</source>
      <translation>Nase zum Ziel</translation>
    </message>
    <message>
      <source>move closer</source>
      <translation>näher kommen</translation>
    </message>
    <message>
      <source>similarity</source>
      <translation>Ähnlichkeit</translation>
    </message>
  </context>
  <context>
    <name>ConsoleWindow</name>
    <message>
      <location filename="../console/window.py" line="76" />
      <source>working…</source>
      <translation>arbeitet…</translation>
    </message>
    <message>
      <location filename="../console/window.py" line="102" />
      <source>The action failed; details are in the log.</source>
      <translation>Die Aktion ist fehlgeschlagen; Details stehen im Protokoll.</translation>
    </message>
    <message>
      <location filename="../console/window.py" line="109" />
      <source>Login failed; details are in the log.</source>
      <translation>Anmeldung fehlgeschlagen; Details stehen im Protokoll.</translation>
    </message>
    <message>
      <location filename="../console/window.py" line="113" />
      <source>{0} ({1})</source>
      <translation>{0} ({1})</translation>
    </message>
    <message>
      <location filename="../console/window.py" line="186" />
      <source>Export case</source>
      <translation>Fall exportieren</translation>
    </message>
    <message>
      <location filename="../console/window.py" line="193" />
      <source>Exported to {0}</source>
      <translation>Exportiert nach {0}</translation>
    </message>
    <message>
      <location filename="../console/window.py" line="216" />
      <source>Operator review</source>
      <translation>Fallprüfung</translation>
    </message>
    <message>
      <location filename="../console/window.py" line="217" />
      <source>Queue</source>
      <translation>Warteschlange</translation>
    </message>
    <message>
      <location filename="../console/window.py" line="218" />
      <source>Report and audit</source>
      <translation>Bericht und Protokoll</translation>
    </message>
    <message>
      <location filename="../console/window.py" line="219" />
      <source>Accounts</source>
      <translation>Konten</translation>
    </message>
    <message>
      <location filename="../console/window.py" line="220" />
      <source>Log out</source>
      <translation>Abmelden</translation>
    </message>
    <message>
      <source>operator</source>
      <translation>Bediener</translation>
    </message>
    <message>
      <source>supervisor</source>
      <translation>Vorgesetzte</translation>
    </message>
    <message>
      <source>admin</source>
      <translation>Administrator</translation>
    </message>
    <message>
      <location filename="../console/window.py" line="1" />
      <source>Liveness calibration</source>
      <translation>Lebenderkennung kalibrieren</translation>
    </message>
    <message>
      <location filename="../console/window.py" line="1" />
      <source>opening the camera and loading the models…</source>
      <translation>Kamera wird geöffnet, Modelle werden geladen…</translation>
    </message>
    <message>
      <location filename="../console/window.py" line="1" />
      <source>capturing…</source>
      <translation>Aufnahme…</translation>
    </message>
    <message>
      <location filename="../console/window.py" line="1" />
      <source>training and testing…</source>
      <translation>Training und Prüfung…</translation>
    </message>
  </context>
  <context>
    <name>LoginScreen</name>
    <message>
      <location filename="../console/login.py" line="45" />
      <source>Operator review</source>
      <translation>Fallprüfung</translation>
    </message>
    <message>
      <location filename="../console/login.py" line="46" />
      <source>Locked after idle time: {0}, enter your password.</source>
      <translation>Nach Inaktivität gesperrt: {0}, bitte Passwort eingeben.</translation>
    </message>
    <message>
      <location filename="../console/login.py" line="47" />
      <source>Log in with your operator account.</source>
      <translation>Mit Ihrem Bedienerkonto anmelden.</translation>
    </message>
    <message>
      <location filename="../console/login.py" line="48" />
      <source>User name</source>
      <translation>Benutzername</translation>
    </message>
    <message>
      <location filename="../console/login.py" line="49" />
      <source>Password</source>
      <translation>Passwort</translation>
    </message>
    <message>
      <location filename="../console/login.py" line="50" />
      <source>Log in</source>
      <translation>Anmelden</translation>
    </message>
    <message>
      <location filename="../console/login.py" line="76" />
      <source>Enter your user name and password.</source>
      <translation>Bitte Benutzername und Passwort eingeben.</translation>
    </message>
  </context>
  <context>
    <name>QueueScreen</name>
    <message>
      <location filename="../console/queue.py" line="113" />
      <source>Review queue</source>
      <translation>Prüf-Warteschlange</translation>
    </message>
    <message>
      <location filename="../console/queue.py" line="113" />
      <source>Search all sessions</source>
      <translation>Alle Sitzungen durchsuchen</translation>
    </message>
    <message>
      <location filename="../console/queue.py" line="114" />
      <source>Queue</source>
      <translation>Warteschlange</translation>
    </message>
    <message>
      <location filename="../console/queue.py" line="115" />
      <source>Search</source>
      <translation>Suche</translation>
    </message>
    <message>
      <location filename="../console/queue.py" line="116" />
      <source>From (YYYY-MM-DD)</source>
      <translation>Von (JJJJ-MM-TT)</translation>
    </message>
    <message>
      <location filename="../console/queue.py" line="116" />
      <source>To (YYYY-MM-DD)</source>
      <translation>Bis (JJJJ-MM-TT)</translation>
    </message>
    <message>
      <location filename="../console/queue.py" line="117" />
      <source>Reason</source>
      <translation>Grund</translation>
    </message>
    <message>
      <location filename="../console/queue.py" line="117" />
      <location filename="../console/queue.py" line="125" />
      <source>Kiosk</source>
      <translation>Kiosk</translation>
    </message>
    <message>
      <location filename="../console/queue.py" line="117" />
      <location filename="../console/queue.py" line="126" />
      <source>Mode</source>
      <translation>Modus</translation>
    </message>
    <message>
      <location filename="../console/queue.py" line="118" />
      <source>Outcome</source>
      <translation>Ergebnis</translation>
    </message>
    <message>
      <location filename="../console/queue.py" line="118" />
      <source>Session id</source>
      <translation>Sitzungs-ID</translation>
    </message>
    <message>
      <location filename="../console/queue.py" line="120" />
      <source>Apply</source>
      <translation>Anwenden</translation>
    </message>
    <message>
      <location filename="../console/queue.py" line="121" />
      <source>Open case</source>
      <translation>Fall öffnen</translation>
    </message>
    <message>
      <location filename="../console/queue.py" line="122" />
      <source>Previous page</source>
      <translation>Vorherige Seite</translation>
    </message>
    <message>
      <location filename="../console/queue.py" line="123" />
      <source>Next page</source>
      <translation>Nächste Seite</translation>
    </message>
    <message>
      <location filename="../console/queue.py" line="124" />
      <source>first digits</source>
      <translation>erste Ziffern</translation>
    </message>
    <message>
      <location filename="../console/queue.py" line="125" />
      <source>Session</source>
      <translation>Sitzung</translation>
    </message>
    <message>
      <location filename="../console/queue.py" line="125" />
      <source>Decided (UTC)</source>
      <translation>Entschieden (UTC)</translation>
    </message>
    <message>
      <location filename="../console/queue.py" line="125" />
      <source>Waiting</source>
      <translation>Wartet</translation>
    </message>
    <message>
      <location filename="../console/queue.py" line="126" />
      <source>Decision</source>
      <translation>Entscheidung</translation>
    </message>
    <message>
      <location filename="../console/queue.py" line="126" />
      <source>Reasons</source>
      <translation>Gründe</translation>
    </message>
    <message>
      <location filename="../console/queue.py" line="127" />
      <source>Review</source>
      <translation>Prüfung</translation>
    </message>
    <message>
      <location filename="../console/queue.py" line="128" />
      <source>any reason</source>
      <translation>jeder Grund</translation>
    </message>
    <message>
      <location filename="../console/queue.py" line="128" />
      <source>any kiosk</source>
      <translation>jeder Kiosk</translation>
    </message>
    <message>
      <location filename="../console/queue.py" line="129" />
      <source>any mode</source>
      <translation>jeder Modus</translation>
    </message>
    <message>
      <location filename="../console/queue.py" line="129" />
      <source>any outcome</source>
      <translation>jedes Ergebnis</translation>
    </message>
    <message>
      <location filename="../console/queue.py" line="170" />
      <source>From</source>
      <translation>Von</translation>
    </message>
    <message>
      <location filename="../console/queue.py" line="171" />
      <source>To</source>
      <translation>Bis</translation>
    </message>
    <message>
      <location filename="../console/queue.py" line="200" />
      <source>INTEGRITY PROBLEM</source>
      <translation>INTEGRITÄTSPROBLEM</translation>
    </message>
    <message>
      <location filename="../console/queue.py" line="208" />
      <source>{0} cases waiting for review</source>
      <translation>{0} Fälle warten auf Prüfung</translation>
    </message>
    <message>
      <location filename="../console/queue.py" line="208" />
      <source>{0} sessions found</source>
      <translation>{0} Sitzungen gefunden</translation>
    </message>
    <message>
      <location filename="../console/queue.py" line="210" />
      <source>page {0} of {1}</source>
      <translation>Seite {0} von {1}</translation>
    </message>
  </context>
  <context>
    <name>ReportScreen</name>
    <message>
      <location filename="../console/report.py" line="92" />
      <source>Daily report</source>
      <translation>Tagesbericht</translation>
    </message>
    <message>
      <location filename="../console/report.py" line="93" />
      <source>Refresh</source>
      <translation>Aktualisieren</translation>
    </message>
    <message>
      <location filename="../console/report.py" line="94" />
      <source>Every review (double-click opens the case)</source>
      <translation>Alle Prüfungen (Doppelklick öffnet den Fall)</translation>
    </message>
    <message>
      <location filename="../console/report.py" line="95" />
      <source>Audit trail</source>
      <translation>Prüfprotokoll</translation>
    </message>
    <message>
      <location filename="../console/report.py" line="96" />
      <source>Reviewed (UTC)</source>
      <translation>Geprüft (UTC)</translation>
    </message>
    <message>
      <location filename="../console/report.py" line="96" />
      <source>Operator</source>
      <translation>Bediener</translation>
    </message>
    <message>
      <location filename="../console/report.py" line="96" />
      <source>Verdict</source>
      <translation>Urteil</translation>
    </message>
    <message>
      <location filename="../console/report.py" line="97" />
      <source>Time to review</source>
      <translation>Zeit bis zur Prüfung</translation>
    </message>
    <message>
      <location filename="../console/report.py" line="97" />
      <location filename="../console/report.py" line="99" />
      <source>Session</source>
      <translation>Sitzung</translation>
    </message>
    <message>
      <location filename="../console/report.py" line="98" />
      <source>Seq</source>
      <translation>Nr.</translation>
    </message>
    <message>
      <location filename="../console/report.py" line="98" />
      <source>Time (UTC)</source>
      <translation>Zeit (UTC)</translation>
    </message>
    <message>
      <location filename="../console/report.py" line="98" />
      <source>Event</source>
      <translation>Ereignis</translation>
    </message>
    <message>
      <location filename="../console/report.py" line="99" />
      <source>Who</source>
      <translation>Wer</translation>
    </message>
    <message>
      <location filename="../console/report.py" line="112" />
      <source>Waiting for review now: {0}  ·  oldest since {1}  ·  reviews in the period: {2}  ·  median time to review: {3}</source>
      <translation>Wartend jetzt: {0}  ·  ältester seit {1}  ·  Prüfungen im Zeitraum: {2}  ·  Median bis zur Prüfung: {3}</translation>
    </message>
    <message>
      <location filename="../console/report.py" line="127" />
      <source>Sessions per day by outcome</source>
      <translation>Sitzungen pro Tag nach Ergebnis</translation>
    </message>
    <message>
      <location filename="../console/report.py" line="131" />
      <source>Reason codes per day (most frequent)</source>
      <translation>Gründe pro Tag (häufigste)</translation>
    </message>
    <message>
      <location filename="../console/report.py" line="135" />
      <source>Time to review (hours)</source>
      <translation>Zeit bis zur Prüfung (Stunden)</translation>
    </message>
    <message>
      <location filename="../console/report.py" line="162" />
      <source>✔ Intact: {0} events and {1} stored rows verified</source>
      <translation>✔ Intakt: {0} Ereignisse und {1} gespeicherte Zeilen geprüft</translation>
    </message>
    <message>
      <location filename="../console/report.py" line="166" />
      <source>✘ BROKEN at {0}: {1}</source>
      <translation>✘ BESCHÄDIGT bei {0}: {1}</translation>
    </message>
    <message>
      <source>accept</source>
      <translation>angenommen</translation>
    </message>
    <message>
      <source>review</source>
      <translation>Prüfung</translation>
    </message>
    <message>
      <source>reject</source>
      <translation>abgelehnt</translation>
    </message>
  </context>
  <context>
    <name>Reason</name>
    <message>
      <source>More than one face was in front of the camera.</source>
      <translation>Mehr als ein Gesicht war vor der Kamera.</translation>
    </message>
    <message>
      <source>No usable face was seen by the camera.</source>
      <translation>Die Kamera hat kein verwendbares Gesicht gesehen.</translation>
    </message>
    <message>
      <source>Signs of a video played on a screen.</source>
      <translation>Anzeichen für ein auf einem Bildschirm abgespieltes Video.</translation>
    </message>
    <message>
      <source>The chip failed its authenticity check: it may be a cloned chip.</source>
      <translation>Der Chip hat die Echtheitsprüfung nicht bestanden: möglicherweise ein geklonter Chip.</translation>
    </message>
    <message>
      <source>The chip holds no portrait.</source>
      <translation>Der Chip enthält kein Lichtbild.</translation>
    </message>
    <message>
      <source>The chip offers no authenticity check (neither chip nor active authentication).</source>
      <translation>Der Chip bietet keine Echtheitsprüfung (weder Chip- noch aktive Authentisierung).</translation>
    </message>
    <message>
      <source>The chip's data is not signed correctly: it may have been altered.</source>
      <translation>Die Chipdaten sind nicht korrekt signiert: sie könnten verändert worden sein.</translation>
    </message>
    <message>
      <source>The chip's portrait is of low quality and the match is not conclusive.</source>
      <translation>Das Lichtbild auf dem Chip hat geringe Qualität und der Vergleich ist nicht eindeutig.</translation>
    </message>
    <message>
      <source>The customer did not follow the movement prompts.</source>
      <translation>Die Person ist den Bewegungsanweisungen nicht gefolgt.</translation>
    </message>
    <message>
      <source>The data on the chip differs from the printed data page.</source>
      <translation>Die Daten auf dem Chip weichen von der gedruckten Datenseite ab.</translation>
    </message>
    <message>
      <source>The document has expired.</source>
      <translation>Das Dokument ist abgelaufen.</translation>
    </message>
    <message>
      <source>The issuer has published a known fault for this document (deviation list): check it by hand.</source>
      <translation>Der Aussteller hat einen bekannten Fehler dieses Dokuments veröffentlicht (Abweichungsliste): bitte von Hand prüfen.</translation>
    </message>
    <message>
      <source>The document signer's certificate has been revoked.</source>
      <translation>Das Zertifikat des Dokumentsignierers wurde widerrufen.</translation>
    </message>
    <message>
      <source>The face did not reflect the screen's colour flashes.</source>
      <translation>Das Gesicht hat die Farbblitze des Bildschirms nicht reflektiert.</translation>
    </message>
    <message>
      <source>Remote session sent as uploaded frames, without the colour-flash check: a recorded or animated video could pass it.</source>
      <translation>Fernsitzung als hochgeladene Einzelbilder, ohne Farbblitz-Prüfung: ein aufgezeichnetes oder animiertes Video könnte sie bestehen.</translation>
    </message>
    <message>
      <source>The customer asked for help: staff completes the check.</source>
      <translation>Die Kundin oder der Kunde hat um Hilfe gebeten: Das Personal schließt die Prüfung ab.</translation>
    </message>
    <message>
      <source>The customer declined the screen flash, so the colour-flash check did not run.</source>
      <translation>Der Farbblitz wurde abgelehnt, die Farbblitz-Prüfung lief daher nicht.</translation>
    </message>
    <message>
      <source>The customer chose a challenge without head movement (blinks and moving closer: fewer possible sequences).</source>
      <translation>Es wurde eine Aufgabe ohne Kopfbewegung gewählt (Blinzeln und Näherkommen: weniger mögliche Abfolgen).</translation>
    </message>
    <message>
      <source>The remote camera looked like injected video (a virtual camera, or the picture size changed).</source>
      <translation>Die entfernte Kamera wirkte wie eingespeistes Video (eine virtuelle Kamera, oder die Bildgröße hat sich geändert).</translation>
    </message>
    <message>
      <source>The face moved like a flat photo: possibly a printed picture.</source>
      <translation>Das Gesicht bewegte sich wie ein flaches Foto: möglicherweise ein ausgedrucktes Bild.</translation>
    </message>
    <message>
      <source>The issuing country's certificate is not in the trust store.</source>
      <translation>Das Zertifikat des Ausstellerstaats ist nicht im Vertrauensspeicher.</translation>
    </message>
    <message>
      <source>The live face and the passport portrait are similar, but not clearly the same person.</source>
      <translation>Live-Gesicht und Passbild sind ähnlich, aber nicht eindeutig dieselbe Person.</translation>
    </message>
    <message>
      <source>The live face does not match the passport portrait.</source>
      <translation>Das Live-Gesicht stimmt nicht mit dem Passbild überein.</translation>
    </message>
    <message>
      <source>The live photo did not pass the quality checks.</source>
      <translation>Das Live-Bild hat die Qualitätsprüfung nicht bestanden.</translation>
    </message>
    <message>
      <source>The liveness model scored the face as likely not live.</source>
      <translation>Das Lebenderkennungsmodell hält das Gesicht wahrscheinlich für nicht lebendig.</translation>
    </message>
    <message>
      <source>The movement check did not run.</source>
      <translation>Die Bewegungsprüfung wurde nicht durchgeführt.</translation>
    </message>
    <message>
      <source>The passport chip could not be read completely.</source>
      <translation>Der Pass-Chip konnte nicht vollständig gelesen werden.</translation>
    </message>
    <message>
      <source>The revocation list for this issuer is out of date or not trusted.</source>
      <translation>Die Sperrliste dieses Ausstellers ist veraltet oder nicht vertrauenswürdig.</translation>
    </message>
    <message>
      <source>This face was seen before with another document.</source>
      <translation>Dieses Gesicht wurde bereits mit einem anderen Dokument gesehen.</translation>
    </message>
    <message>
      <source>Too many failed attempts for this document or kiosk.</source>
      <translation>Zu viele Fehlversuche für dieses Dokument oder diesen Kiosk.</translation>
    </message>
  </context>
  <context>
    <name>CalibrationScreen</name>
    <message>
      <location filename="../console/calibration.py" line="1" />
      <source>Liveness calibration</source>
      <translation>Lebenderkennung kalibrieren</translation>
    </message>
    <message>
      <location filename="../console/calibration.py" line="1" />
      <source>Capture live faces of several people and attacks at this kiosk&apos;s camera; a model is trained, tested on people held back, and installed only if it beats the current one. Only features are stored, never images or names.</source>
      <translation>Nehmen Sie an der Kamera dieses Kiosks Live-Gesichter mehrerer Personen und Angriffe auf; ein Modell wird trainiert, an zurückgehaltenen Personen geprüft und nur installiert, wenn es das aktuelle übertrifft. Gespeichert werden nur Merkmale, nie Bilder oder Namen.</translation>
    </message>
    <message>
      <location filename="../console/calibration.py" line="1" />
      <source>People</source>
      <translation>Personen</translation>
    </message>
    <message>
      <location filename="../console/calibration.py" line="1" />
      <source>Live each</source>
      <translation>Live je Person</translation>
    </message>
    <message>
      <location filename="../console/calibration.py" line="1" />
      <source>Attacks each species</source>
      <translation>Angriffe je Art</translation>
    </message>
    <message>
      <location filename="../console/calibration.py" line="1" />
      <source>Frames</source>
      <translation>Bilder</translation>
    </message>
    <message>
      <location filename="../console/calibration.py" line="1" />
      <source>Printed photo</source>
      <translation>Gedrucktes Foto</translation>
    </message>
    <message>
      <location filename="../console/calibration.py" line="1" />
      <source>Screen</source>
      <translation>Bildschirm</translation>
    </message>
    <message>
      <location filename="../console/calibration.py" line="1" />
      <source>Start or resume</source>
      <translation>Beginnen oder fortsetzen</translation>
    </message>
    <message>
      <location filename="../console/calibration.py" line="1" />
      <source>Start again</source>
      <translation>Neu beginnen</translation>
    </message>
    <message>
      <location filename="../console/calibration.py" line="1" />
      <source>Capture</source>
      <translation>Aufnehmen</translation>
    </message>
    <message>
      <location filename="../console/calibration.py" line="1" />
      <source>Train, test and install if better</source>
      <translation>Trainieren, prüfen, bei Verbesserung installieren</translation>
    </message>
    <message>
      <location filename="../console/calibration.py" line="1" />
      <source>Choose the plan and press Start.</source>
      <translation>Wählen Sie den Plan und drücken Sie „Beginnen oder fortsetzen“.</translation>
    </message>
    <message>
      <location filename="../console/calibration.py" line="1" />
      <source>Person {0} of {1}: look at the camera and move your head a little (live capture {2} of {3})</source>
      <translation>Person {0} von {1}: Blicken Sie in die Kamera und bewegen Sie den Kopf ein wenig (Live-Aufnahme {2} von {3})</translation>
    </message>
    <message>
      <location filename="../console/calibration.py" line="1" />
      <source>Hold a printed photo of person {0}'s face in front of the camera and tilt it slowly (print capture {1} of {2})</source>
      <translation>Halten Sie ein gedrucktes Foto des Gesichts von Person {0} vor die Kamera und neigen Sie es langsam (Druck-Aufnahme {1} von {2})</translation>
    </message>
    <message>
      <location filename="../console/calibration.py" line="1" />
      <source>Show a photo or video of person {0}'s face on a phone or tablet screen to the camera and move it slowly (screen capture {1} of {2})</source>
      <translation>Zeigen Sie der Kamera ein Foto oder Video des Gesichts von Person {0} auf einem Handy- oder Tablet-Bildschirm und bewegen Sie es langsam (Bildschirm-Aufnahme {1} von {2})</translation>
    </message>
    <message>
      <location filename="../console/calibration.py" line="1" />
      <source>All captures taken: train and test the model.</source>
      <translation>Alle Aufnahmen gemacht: Modell trainieren und prüfen.</translation>
    </message>
    <message>
      <location filename="../console/calibration.py" line="1" />
      <source>{0} of {1} captures</source>
      <translation>{0} von {1} Aufnahmen</translation>
    </message>
    <message>
      <location filename="../console/calibration.py" line="1" />
      <source>Person</source>
      <translation>Person</translation>
    </message>
    <message>
      <location filename="../console/calibration.py" line="1" />
      <source>live</source>
      <translation>live</translation>
    </message>
    <message>
      <location filename="../console/calibration.py" line="1" />
      <source>Model</source>
      <translation>Modell</translation>
    </message>
    <message>
      <location filename="../console/calibration.py" line="1" />
      <source>Threshold</source>
      <translation>Schwelle</translation>
    </message>
    <message>
      <location filename="../console/calibration.py" line="1" />
      <source>BPCER</source>
      <translation>BPCER</translation>
    </message>
    <message>
      <location filename="../console/calibration.py" line="1" />
      <source>APCER {0}</source>
      <translation>APCER {0}</translation>
    </message>
    <message>
      <location filename="../console/calibration.py" line="1" />
      <source>BPCER at APCER 5%</source>
      <translation>BPCER bei APCER 5 %</translation>
    </message>
    <message>
      <location filename="../console/calibration.py" line="1" />
      <source>EER</source>
      <translation>EER</translation>
    </message>
    <message>
      <location filename="../console/calibration.py" line="1" />
      <source>new model</source>
      <translation>neues Modell</translation>
    </message>
    <message>
      <location filename="../console/calibration.py" line="1" />
      <source>Installed</source>
      <translation>Installiert</translation>
    </message>
    <message>
      <location filename="../console/calibration.py" line="1" />
      <source>Not installed</source>
      <translation>Nicht installiert</translation>
    </message>
    <message>
      <location filename="../console/calibration.py" line="1" />
      <source>{0}: {1}. Held back: people {2}, {3} live frames; 95% intervals in brackets.</source>
      <translation>{0}: {1}. Zurückgehalten: Personen {2}, {3} Live-Bilder; 95-%-Intervalle in Klammern.</translation>
    </message>
    <message>
      <location filename="../console/calibration.py" line="1" />
      <source>tested on the held-back people</source>
      <translation>an den zurückgehaltenen Personen geprüft</translation>
    </message>
  </context>
</TS>