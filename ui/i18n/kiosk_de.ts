<?xml version='1.0' encoding='utf-8'?>
<!DOCTYPE TS>
<TS version="2.1" language="de_DE">
<context>
    <name>AccessBar</name>
    <message>
        <location filename="../widgets/access_bar.py" line="77" />
        <source>Listen</source>
        <translation>Vorlesen</translation>
    </message>
    <message>
        <location filename="../widgets/access_bar.py" line="78" />
        <source>Read the screen aloud</source>
        <translation>Bildschirm vorlesen</translation>
    </message>
    <message>
        <location filename="../widgets/access_bar.py" line="79" />
        <source>Larger text</source>
        <translation>Größere Schrift</translation>
    </message>
    <message>
        <location filename="../widgets/access_bar.py" line="80" />
        <source>More time</source>
        <translation>Mehr Zeit</translation>
    </message>
    <message>
        <location filename="../widgets/access_bar.py" line="81" />
        <source>Other ways</source>
        <translation>Andere Wege</translation>
    </message>
    <message>
        <location filename="../widgets/access_bar.py" line="82" />
        <source>I need help</source>
        <translation>Ich brauche Hilfe</translation>
    </message>
    <message>
        <location filename="../widgets/access_bar.py" line="83" />
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
</context>
<context>
    <name>AttractScreen</name>
    <message>
        <location filename="../screens/attract.py" line="53" />
        <source>Verify your identity</source>
        <translation>Identität bestätigen</translation>
    </message>
    <message>
        <location filename="../screens/attract.py" line="54" />
        <source>With your passport or ID card and a short video of your face. It takes about one minute.</source>
        <translation>Mit Ihrem Reisepass oder Personalausweis und einem kurzen Video Ihres Gesichts. Es dauert etwa eine Minute.</translation>
    </message>
    <message>
        <location filename="../screens/attract.py" line="56" />
        <source>Enter the details from your document</source>
        <translation>Daten aus Ihrem Dokument eingeben</translation>
    </message>
    <message>
        <location filename="../screens/attract.py" line="56" />
        <source>Place your document on the reader</source>
        <translation>Legen Sie Ihr Dokument auf das Lesegerät</translation>
    </message>
    <message>
        <location filename="../screens/attract.py" line="57" />
        <source>Look at the camera and follow the prompts</source>
        <translation>In die Kamera schauen und den Anweisungen folgen</translation>
    </message>
    <message>
        <location filename="../screens/attract.py" line="61" />
        <source>Start</source>
        <translation>Starten</translation>
    </message>
    <message>
        <location filename="../screens/attract.py" line="62" />
        <source>To hear this screen, touch Listen in the bottom left corner, or press F1.</source>
        <translation>Zum Vorlesen tippen Sie unten links auf Vorlesen oder drücken F1.</translation>
    </message>
    <message>
        <location filename="../screens/attract.py" line="63" />
        <source>Your data and photos are encrypted on this kiosk and deleted when no longer needed. Nothing is shown to other customers.</source>
        <translation>Ihre Daten und Fotos werden auf diesem Terminal verschlüsselt und gelöscht, sobald sie nicht mehr benötigt werden. Anderen Kunden wird nichts angezeigt.</translation>
    </message>
</context>
<context>
    <name>ChipScreen</name>
    <message>
        <location filename="../screens/chip.py" line="73" />
        <source>Place your document on the reader</source>
        <translation>Legen Sie Ihr Dokument auf das Lesegerät</translation>
    </message>
    <message>
        <location filename="../screens/chip.py" line="74" />
        <source>Open your passport at the photo page and lay it flat on the reader. Keep it still until the bar is full.</source>
        <translation>Öffnen Sie den Pass auf der Seite mit dem Foto und legen Sie ihn flach auf das Lesegerät. Halten Sie ihn still, bis der Balken voll ist.</translation>
    </message>
    <message>
        <location filename="../screens/chip.py" line="76" />
        <source>Waiting for your document…</source>
        <translation>Warten auf Ihr Dokument …</translation>
    </message>
    <message>
        <location filename="../screens/chip.py" line="92" />
        <source>Opening the chip securely…</source>
        <translation>Chip wird sicher geöffnet …</translation>
    </message>
    <message>
        <location filename="../screens/chip.py" line="94" />
        <source>Reading your photo from the chip…</source>
        <translation>Ihr Foto wird vom Chip gelesen …</translation>
    </message>
    <message>
        <location filename="../screens/chip.py" line="96" />
        <source>Checking that the chip is genuine…</source>
        <translation>Echtheit des Chips wird geprüft …</translation>
    </message>
    <message>
        <location filename="../screens/chip.py" line="98" />
        <source>Done.</source>
        <translation>Fertig.</translation>
    </message>
    <message>
        <location filename="../screens/chip.py" line="99" />
        <source>Reading your document…</source>
        <translation>Ihr Dokument wird gelesen …</translation>
    </message>
    <message>
        <location filename="../screens/chip.py" line="111" />
        <source>The document was moved. Keep it still on the reader: we try again.</source>
        <translation>Das Dokument wurde bewegt. Lassen Sie es ruhig auf dem Lesegerät liegen: Wir versuchen es erneut.</translation>
    </message>
    <message>
        <location filename="../screens/chip.py" line="113" />
        <source>We could not read the chip. Lay the document flat on the reader again.</source>
        <translation>Der Chip konnte nicht gelesen werden. Legen Sie das Dokument erneut flach auf das Lesegerät.</translation>
    </message>
</context>
<context>
    <name>ClerkDialog</name>
    <message>
        <location filename="../widgets/clerk_dialog.py" line="27" />
        <source>Clerk sign-in</source>
        <translation>Anmeldung Mitarbeiter</translation>
    </message>
    <message>
        <location filename="../widgets/clerk_dialog.py" line="30" />
        <source>Sign in to start an assisted session</source>
        <translation>Melden Sie sich an, um eine begleitete Sitzung zu starten</translation>
    </message>
    <message>
        <location filename="../widgets/clerk_dialog.py" line="34" />
        <source>User name</source>
        <translation>Benutzername</translation>
    </message>
    <message>
        <location filename="../widgets/clerk_dialog.py" line="35" />
        <source>Password</source>
        <translation>Passwort</translation>
    </message>
    <message>
        <location filename="../widgets/clerk_dialog.py" line="37" />
        <source>Start session</source>
        <translation>Sitzung starten</translation>
    </message>
    <message>
        <location filename="../widgets/clerk_dialog.py" line="39" />
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <location filename="../widgets/clerk_dialog.py" line="60" />
        <source>Checking ...</source>
        <translation>Wird geprüft ...</translation>
    </message>
</context>
<context>
    <name>DocumentScreen</name>
    <message>
        <location filename="../screens/document.py" line="118" />
        <source>Show your passport to the camera</source>
        <translation>Halten Sie Ihren Pass vor die Kamera</translation>
    </message>
    <message>
        <location filename="../screens/document.py" line="119" />
        <source>Hold the photo page open inside the frame, the two lines of letters at the bottom. It is read by itself.</source>
        <translation>Halten Sie die Seite mit dem Foto aufgeschlagen in den Rahmen, die zwei Zeilen mit Buchstaben unten. Sie wird von selbst gelesen.</translation>
    </message>
    <message>
        <location filename="../screens/document.py" line="121" />
        <source>Type the details instead</source>
        <translation>Daten stattdessen eintippen</translation>
    </message>
    <message>
        <location filename="../screens/document.py" line="122" />
        <source>Scan instead</source>
        <translation>Stattdessen scannen</translation>
    </message>
    <message>
        <location filename="../screens/document.py" line="201" />
        <source>The chip did not accept these details. Please check them (or scan the page again) and try again.</source>
        <translation>Der Chip hat diese Daten nicht angenommen. Bitte prüfen Sie sie (oder scannen Sie die Seite erneut) und versuchen Sie es noch einmal.</translation>
    </message>
    <message>
        <location filename="../screens/document.py" line="118" />
        <source>Your document details</source>
        <translation>Ihre Dokumentdaten</translation>
    </message>
    <message>
        <location filename="../screens/document.py" line="123" />
        <source>Passport</source>
        <translation>Reisepass</translation>
    </message>
    <message>
        <location filename="../screens/document.py" line="124" />
        <source>ID card</source>
        <translation>Ausweis</translation>
    </message>
    <message>
        <location filename="../screens/document.py" line="125" />
        <source>Document number</source>
        <translation>Dokumentnummer</translation>
    </message>
    <message>
        <location filename="../screens/document.py" line="126" />
        <source>Date of birth</source>
        <translation>Geburtsdatum</translation>
    </message>
    <message>
        <location filename="../screens/document.py" line="127" />
        <source>Expiry date</source>
        <translation>Ablaufdatum</translation>
    </message>
    <message>
        <location filename="../screens/document.py" line="128" />
        <source>Card access number</source>
        <translation>Zugangsnummer (CAN)</translation>
    </message>
    <message>
        <location filename="../screens/document.py" line="129" />
        <source>YYMMDD, e.g. 900131</source>
        <translation>JJMMTT, z. B. 900131</translation>
    </message>
    <message>
        <location filename="../screens/document.py" line="130" />
        <source>YYMMDD, e.g. 341231</source>
        <translation>JJMMTT, z. B. 341231</translation>
    </message>
    <message>
        <location filename="../screens/document.py" line="131" />
        <source>as printed, e.g. C01X00T47</source>
        <translation>wie aufgedruckt, z. B. C01X00T47</translation>
    </message>
    <message>
        <location filename="../screens/document.py" line="132" />
        <source>6 digits, front of the card</source>
        <translation>6 Ziffern, Vorderseite der Karte</translation>
    </message>
    <message>
        <location filename="../screens/document.py" line="133" />
        <source>Continue</source>
        <translation>Weiter</translation>
    </message>
    <message>
        <location filename="../screens/document.py" line="156" />
        <source>The card access number has 6 digits.</source>
        <translation>Die Zugangsnummer hat 6 Ziffern.</translation>
    </message>
    <message>
        <location filename="../screens/document.py" line="158" />
        <source>Enter the document number.</source>
        <translation>Geben Sie die Dokumentnummer ein.</translation>
    </message>
    <message>
        <location filename="../screens/document.py" line="159" />
        <source>date of birth</source>
        <translation>Geburtsdatum</translation>
    </message>
    <message>
        <location filename="../screens/document.py" line="159" />
        <source>expiry date</source>
        <translation>Ablaufdatum</translation>
    </message>
    <message>
        <location filename="../screens/document.py" line="161" />
        <source>The %1 needs 6 digits: year, month, day.</source>
        <translation>Das %1 braucht 6 Ziffern: Jahr, Monat, Tag.</translation>
    </message>
    <message>
        <location filename="../screens/document.py" line="167" />
        <source>Ready: tap Continue.</source>
        <translation>Fertig: Tippen Sie auf Weiter.</translation>
    </message>
    <message>
        <location filename="../screens/document.py" line="203" />
        <source>The chip did not accept these details. Please check them and try again.</source>
        <translation>Der Chip hat diese Daten nicht angenommen. Bitte prüfen Sie sie und versuchen Sie es erneut.</translation>
    </message>
</context>
<context>
    <name>FaceScreen</name>
    <message>
        <location filename="../screens/face.py" line="96" />
        <source>Turn your head to your left</source>
        <translation>Drehen Sie den Kopf nach links</translation>
    </message>
    <message>
        <location filename="../screens/face.py" line="97" />
        <source>Turn your head to your right</source>
        <translation>Drehen Sie den Kopf nach rechts</translation>
    </message>
    <message>
        <location filename="../screens/face.py" line="98" />
        <source>Look up</source>
        <translation>Schauen Sie nach oben</translation>
    </message>
    <message>
        <location filename="../screens/face.py" line="99" />
        <source>Look down</source>
        <translation>Schauen Sie nach unten</translation>
    </message>
    <message>
        <location filename="../screens/face.py" line="100" />
        <source>Blink</source>
        <translation>Blinzeln Sie</translation>
    </message>
    <message>
        <location filename="../screens/face.py" line="101" />
        <source>Move your nose to the yellow dot</source>
        <translation>Bewegen Sie die Nase zum gelben Punkt</translation>
    </message>
    <message>
        <location filename="../screens/face.py" line="102" />
        <source>Move closer to the camera</source>
        <translation>Kommen Sie näher an die Kamera</translation>
    </message>
    <message>
        <location filename="../screens/face.py" line="113" />
        <source>Well done</source>
        <translation>Gut gemacht</translation>
    </message>
    <message>
        <location filename="../screens/face.py" line="113" />
        <source>Look at the camera</source>
        <translation>Schauen Sie in die Kamera</translation>
    </message>
    <message>
        <location filename="../screens/face.py" line="114" />
        <source>Put your face inside the oval and hold still.</source>
        <translation>Bringen Sie Ihr Gesicht in das Oval und halten Sie still.</translation>
    </message>
    <message>
        <location filename="../screens/face.py" line="120" />
        <source>Follow the prompt</source>
        <translation>Folgen Sie der Anweisung</translation>
    </message>
    <message>
        <location filename="../screens/face.py" line="121" />
        <source>Step %1 of %2</source>
        <translation>Schritt %1 von %2</translation>
    </message>
    <message>
        <location filename="../screens/face.py" line="128" />
        <source>%1 s left</source>
        <translation>noch %1 s</translation>
    </message>
</context>
<context>
    <name>KioskWindow</name>
    <message>
        <location filename="../main_window.py" line="207" />
        <source>Help is on its way: a member of staff will come to you.</source>
        <translation>Hilfe kommt: Eine Mitarbeiterin oder ein Mitarbeiter kommt zu Ihnen.</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="209" />
        <source>You have more time now.</source>
        <translation>Sie haben jetzt mehr Zeit.</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="211" />
        <source>No flashing colours.</source>
        <translation>Keine blinkenden Farben.</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="213" />
        <source>No head movement needed.</source>
        <translation>Keine Kopfbewegung nötig.</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="229" />
        <location filename="../main_window.py" line="284" />
        <source>Normal text</source>
        <translation>Normale Schrift</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="229" />
        <location filename="../main_window.py" line="284" />
        <source>Larger text</source>
        <translation>Größere Schrift</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="236" />
        <source>Speech is on. The Listen button in the bottom left corner turns it off.</source>
        <translation>Die Sprachausgabe ist an. Die Taste Vorlesen unten links schaltet sie aus.</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="278" />
        <source>Identity check</source>
        <translation>Identitätsprüfung</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="282" />
        <source>Change language</source>
        <translation>Sprache wechseln</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation type="vanished">Abbrechen</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="286" />
        <source>Keep looking at the screen</source>
        <translation>Schauen Sie weiter auf den Bildschirm</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="286" />
        <source>It changes colour for a few seconds.</source>
        <translation>Er wechselt einige Sekunden lang die Farbe.</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="222" />
        <source>Assisted mode: a clerk is with you</source>
        <translation>Begleiteter Modus: Ein Mitarbeiter ist bei Ihnen</translation>
    </message>
</context>
<context>
    <name>OptionsPanel</name>
    <message>
        <location filename="../widgets/access_bar.py" line="117" />
        <source>Other ways to check your face</source>
        <translation>Andere Wege, Ihr Gesicht zu prüfen</translation>
    </message>
    <message>
        <location filename="../widgets/access_bar.py" line="118" />
        <source>A member of staff will look at your check afterwards. Nothing else changes.</source>
        <translation>Eine Mitarbeiterin oder ein Mitarbeiter sieht sich Ihre Prüfung danach an. Sonst ändert sich nichts.</translation>
    </message>
    <message>
        <location filename="../widgets/access_bar.py" line="119" />
        <source>No flashing colours</source>
        <translation>Keine blinkenden Farben</translation>
    </message>
    <message>
        <location filename="../widgets/access_bar.py" line="120" />
        <source>Flashing colours are off</source>
        <translation>Blinkende Farben sind aus</translation>
    </message>
    <message>
        <location filename="../widgets/access_bar.py" line="121" />
        <source>I cannot move my head</source>
        <translation>Ich kann den Kopf nicht bewegen</translation>
    </message>
    <message>
        <location filename="../widgets/access_bar.py" line="122" />
        <source>No head movement needed</source>
        <translation>Keine Kopfbewegung nötig</translation>
    </message>
    <message>
        <location filename="../widgets/access_bar.py" line="123" />
        <source>Close</source>
        <translation>Schließen</translation>
    </message>
</context>
<context>
    <name>PinDialog</name>
    <message>
        <location filename="../widgets/pin_dialog.py" line="22" />
        <source>Operator</source>
        <translation>Bedienpersonal</translation>
    </message>
    <message>
        <location filename="../widgets/pin_dialog.py" line="25" />
        <source>Operator PIN</source>
        <translation>PIN des Bedienpersonals</translation>
    </message>
    <message>
        <location filename="../widgets/pin_dialog.py" line="53" />
        <location filename="../widgets/pin_dialog.py" line="64" />
        <source>Locked. Try again later.</source>
        <translation>Gesperrt. Versuchen Sie es später erneut.</translation>
    </message>
    <message>
        <location filename="../widgets/pin_dialog.py" line="66" />
        <source>Wrong PIN.</source>
        <translation>Falsche PIN.</translation>
    </message>
</context>
<context>
    <name>ProcessingScreen</name>
    <message>
        <location filename="../screens/processing.py" line="29" />
        <source>Thank you</source>
        <translation>Vielen Dank</translation>
    </message>
    <message>
        <location filename="../screens/processing.py" line="30" />
        <source>We are checking your document and your photo. This takes a moment.</source>
        <translation>Wir prüfen Ihr Dokument und Ihr Foto. Das dauert einen Moment.</translation>
    </message>
</context>
<context>
    <name>ResultScreen</name>
    <message>
        <location filename="../screens/result.py" line="57" />
        <source>Finish</source>
        <translation>Fertig</translation>
    </message>
    <message>
        <location filename="../screens/result.py" line="58" />
        <source>For staff</source>
        <translation>Für Mitarbeiter</translation>
    </message>
    <message>
        <location filename="../screens/result.py" line="67" />
        <source>You are verified</source>
        <translation>Ihre Identität ist bestätigt</translation>
    </message>
    <message>
        <location filename="../screens/result.py" line="67" />
        <source>Thank you. Please take your document with you.</source>
        <translation>Vielen Dank. Bitte nehmen Sie Ihr Dokument mit.</translation>
    </message>
    <message>
        <location filename="../screens/result.py" line="68" />
        <source>Almost done</source>
        <translation>Fast geschafft</translation>
    </message>
    <message>
        <location filename="../screens/result.py" line="68" />
        <source>A member of staff will check your details shortly. Please take your document with you.</source>
        <translation>Ein Mitarbeiter prüft Ihre Angaben in Kürze. Bitte nehmen Sie Ihr Dokument mit.</translation>
    </message>
    <message>
        <location filename="../screens/result.py" line="70" />
        <source>We could not verify you</source>
        <translation>Ihre Identität konnte nicht bestätigt werden</translation>
    </message>
    <message>
        <location filename="../screens/result.py" line="70" />
        <source>Please ask a member of staff for help, and take your document with you.</source>
        <translation>Bitte wenden Sie sich an einen Mitarbeiter und nehmen Sie Ihr Dokument mit.</translation>
    </message>
    <message>
        <location filename="../screens/result.py" line="90" />
        <source>no match score</source>
        <translation>kein Vergleichswert</translation>
    </message>
    <message>
        <location filename="../screens/result.py" line="92" />
        <source>above the accept threshold</source>
        <translation>über der Annahmeschwelle</translation>
    </message>
    <message>
        <location filename="../screens/result.py" line="94" />
        <source>borderline (between review and accept)</source>
        <translation>Grenzfall (zwischen Prüfung und Annahme)</translation>
    </message>
    <message>
        <location filename="../screens/result.py" line="96" />
        <source>below the review threshold</source>
        <translation>unter der Prüfschwelle</translation>
    </message>
    <message>
        <location filename="../screens/result.py" line="97" />
        <source>Decision: %1</source>
        <translation>Entscheidung: %1</translation>
    </message>
    <message>
        <location filename="../screens/result.py" line="98" />
        <source>Reasons: %1</source>
        <translation>Gründe: %1</translation>
    </message>
    <message>
        <location filename="../screens/result.py" line="98" />
        <source>none</source>
        <translation>keine</translation>
    </message>
    <message>
        <location filename="../screens/result.py" line="99" />
        <source>Face match: %1</source>
        <translation>Gesichtsvergleich: %1</translation>
    </message>
    <message>
        <location filename="../screens/result.py" line="100" />
        <source>Chip genuine (passive authentication): %1</source>
        <translation>Chip echt (passive Authentisierung): %1</translation>
    </message>
    <message>
        <location filename="../screens/result.py" line="101" />
        <source>yes</source>
        <translation>ja</translation>
    </message>
    <message>
        <location filename="../screens/result.py" line="101" />
        <source>no</source>
        <translation>nein</translation>
    </message>
    <message>
        <location filename="../screens/result.py" line="102" />
        <source>Live challenge: %1</source>
        <translation>Lebenderkennung: %1</translation>
    </message>
    <message>
        <location filename="../screens/result.py" line="103" />
        <source>passed</source>
        <translation>bestanden</translation>
    </message>
    <message>
        <location filename="../screens/result.py" line="103" />
        <source>failed</source>
        <translation>nicht bestanden</translation>
    </message>
    <message>
        <location filename="../screens/result.py" line="104" />
        <source>Session: %1</source>
        <translation>Sitzung: %1</translation>
    </message>
</context>
<context>
    <name>StaffScreen</name>
    <message>
        <location filename="../screens/staff.py" line="36" />
        <source>Please ask a member of staff</source>
        <translation>Bitte wenden Sie sich an einen Mitarbeiter</translation>
    </message>
    <message>
        <location filename="../screens/staff.py" line="38" />
        <source>The camera stopped working. Your data has not been kept.</source>
        <translation>Die Kamera funktioniert nicht mehr. Ihre Daten wurden nicht gespeichert.</translation>
    </message>
    <message>
        <location filename="../screens/staff.py" line="40" />
        <source>This document could not be read here.</source>
        <translation>Dieses Dokument kann hier nicht gelesen werden.</translation>
    </message>
    <message>
        <location filename="../screens/staff.py" line="42" />
        <source>Something went wrong on our side. It is not your fault.</source>
        <translation>Bei uns ist etwas schiefgegangen. Es liegt nicht an Ihnen.</translation>
    </message>
    <message>
        <location filename="../screens/staff.py" line="44" />
        <source>This screen resets by itself in a moment.</source>
        <translation>Dieser Bildschirm setzt sich gleich von selbst zurück.</translation>
    </message>
</context>
<context>
    <name>hints</name>
    <message>
        <location filename="../screens/face.py" line="17" />
        <source>Look at the camera</source>
        <translation>Schauen Sie in die Kamera</translation>
    </message>
    <message>
        <location filename="../screens/face.py" line="18" />
        <source>Only one person in front of the camera, please</source>
        <translation>Bitte nur eine Person vor der Kamera</translation>
    </message>
    <message>
        <location filename="../screens/face.py" line="19" />
        <source>Camera image too small: please ask staff for help</source>
        <translation>Kamerabild zu klein: Bitte wenden Sie sich an einen Mitarbeiter</translation>
    </message>
    <message>
        <location filename="../screens/face.py" line="20" />
        <source>Move closer</source>
        <translation>Kommen Sie näher</translation>
    </message>
    <message>
        <location filename="../screens/face.py" line="21" />
        <source>Move back a little</source>
        <translation>Gehen Sie etwas zurück</translation>
    </message>
    <message>
        <location filename="../screens/face.py" line="22" />
        <source>Centre your face in the oval</source>
        <translation>Bringen Sie Ihr Gesicht in die Mitte des Ovals</translation>
    </message>
    <message>
        <location filename="../screens/face.py" line="23" />
        <source>More light, please</source>
        <translation>Bitte mehr Licht</translation>
    </message>
    <message>
        <location filename="../screens/face.py" line="24" />
        <source>Too bright: avoid strong light on your face</source>
        <translation>Zu hell: Vermeiden Sie starkes Licht im Gesicht</translation>
    </message>
    <message>
        <location filename="../screens/face.py" line="25" />
        <source>Light your face evenly: avoid light from one side</source>
        <translation>Gleichmäßiges Licht: Vermeiden Sie Licht von einer Seite</translation>
    </message>
    <message>
        <location filename="../screens/face.py" line="26" />
        <source>Find better lighting</source>
        <translation>Suchen Sie besseres Licht</translation>
    </message>
    <message>
        <location filename="../screens/face.py" line="27" />
        <source>Look straight at the camera</source>
        <translation>Schauen Sie gerade in die Kamera</translation>
    </message>
    <message>
        <location filename="../screens/face.py" line="28" />
        <source>Open your eyes</source>
        <translation>Öffnen Sie die Augen</translation>
    </message>
    <message>
        <location filename="../screens/face.py" line="29" />
        <source>Close your mouth</source>
        <translation>Schließen Sie den Mund</translation>
    </message>
    <message>
        <location filename="../screens/face.py" line="30" />
        <source>Hold still</source>
        <translation>Halten Sie still</translation>
    </message>
    <message>
        <location filename="../screens/face.py" line="31" />
        <source>Take off sunglasses or anything covering your eyes</source>
        <translation>Nehmen Sie die Sonnenbrille ab oder was Ihre Augen verdeckt</translation>
    </message>
    <message>
        <location filename="../screens/face.py" line="32" />
        <source>Take off your mask or anything covering your face</source>
        <translation>Nehmen Sie die Maske ab oder was Ihr Gesicht verdeckt</translation>
    </message>
    <message>
        <location filename="../screens/face.py" line="33" />
        <source>Keep your head level and look straight at the camera</source>
        <translation>Halten Sie den Kopf gerade und schauen Sie in die Kamera</translation>
    </message>
    <message>
        <location filename="../screens/face.py" line="34" />
        <source>Keep your head straight</source>
        <translation>Halten Sie den Kopf gerade</translation>
    </message>
</context>
</TS>
