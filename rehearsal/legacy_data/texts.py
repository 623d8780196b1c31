"""Word lists for plausible multilingual content: names, parallel phrases (so a translation is a
real translation), emoji, and right-to-left scripts."""

from __future__ import annotations

LANGUAGES = ("en", "fr", "es", "pt", "de", "it", "ar", "he", "zh", "ja", "ru")
# How often each language is a user's system language.
LANGUAGE_WEIGHTS = (30, 28, 12, 8, 5, 4, 5, 3, 2, 2, 1)

# (first name, last name, system language). Names in their own script where it is not Latin.
NAMES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "en": (
        ("James", "Emily", "Oliver", "Grace", "Noah", "Chloe", "Liam", "Ava"),
        ("Johnson", "Walker", "Brown", "Taylor", "Clarke", "Evans", "Wright", "Hughes"),
    ),
    "fr": (
        ("Camille", "Louis", "Chloé", "Hugo", "Léa", "Théo", "Manon", "Élodie", "Jérôme"),
        ("Dubois", "Lefèvre", "Moreau", "Laurent", "Girard", "Bonnet", "Durand", "Roux"),
    ),
    "es": (
        ("Sofía", "Mateo", "Lucía", "Javier", "Valentina", "Diego"),
        ("Fernández", "López", "Martínez", "Sánchez", "Romero", "Navarro"),
    ),
    "pt": (
        ("João", "Beatriz", "Gonçalo", "Inês", "Rafael", "Mariana"),
        ("Santos", "Ferreira", "Oliveira", "Costa", "Pereira", "Rodrigues"),
    ),
    "de": (("Lukas", "Anna", "Jürgen", "Lena", "Maximilian"), ("Müller", "Schmidt", "Weiß", "Becker")),
    "it": (("Giulia", "Marco", "Francesca", "Luca"), ("Rossi", "Bianchi", "Romano", "Ricci")),
    "ar": (("محمد", "فاطمة", "يوسف", "ليلى", "عمر"), ("الحسن", "بنعلي", "العمري", "الخطيب")),
    "he": (("נועה", "אורי", "מיכל", "יונתן"), ("כהן", "לוי", "מזרחי", "פרץ")),
    "zh": (("伟", "芳", "磊", "静"), ("王", "李", "张", "刘")),
    "ja": (("ゆき", "健太", "さくら", "翔"), ("佐藤", "鈴木", "高橋", "田中")),
    "ru": (("Анна", "Дмитрий", "Ольга"), ("Иванов", "Смирнова", "Кузнецов")),
}

# Latin spellings for usernames and e-mail addresses of names in other scripts.
ROMAN = {
    "محمد": "mohamed",
    "فاطمة": "fatima",
    "يوسف": "youssef",
    "ليلى": "leila",
    "عمر": "omar",
    "الحسن": "elhassan",
    "بنعلي": "benali",
    "العمري": "elamri",
    "الخطيب": "elkhatib",
    "נועה": "noa",
    "אורי": "uri",
    "מיכל": "michal",
    "יונתן": "yonatan",
    "כהן": "cohen",
    "לוי": "levi",
    "מזרחי": "mizrahi",
    "פרץ": "peretz",
    "伟": "wei",
    "芳": "fang",
    "磊": "lei",
    "静": "jing",
    "王": "wang",
    "李": "li",
    "张": "zhang",
    "刘": "liu",
    "ゆき": "yuki",
    "健太": "kenta",
    "さくら": "sakura",
    "翔": "sho",
    "佐藤": "sato",
    "鈴木": "suzuki",
    "高橋": "takahashi",
    "田中": "tanaka",
    "Анна": "anna",
    "Дмитрий": "dmitri",
    "Ольга": "olga",
    "Иванов": "ivanov",
    "Смирнова": "smirnova",
    "Кузнецов": "kuznetsov",
}

_ACCENTS = str.maketrans("éèêëàâäîïôöûüùçñãõáíóúßÉ", "eeeeaaaiioouuucnaoaious" + "E")


def ascii_slug(word: str) -> str:
    """A lowercase ASCII spelling for usernames and e-mail addresses."""
    word = ROMAN.get(word, word)
    return "".join(c for c in word.translate(_ACCENTS).lower() if c.isalnum())


# Parallel phrases: the same sentence in each language, so translations are real ones.
PHRASES: tuple[dict[str, str], ...] = (
    {
        "en": "Hello everyone!",
        "fr": "Bonjour à tous !",
        "es": "¡Hola a todos!",
        "pt": "Olá a todos!",
        "de": "Hallo zusammen!",
        "it": "Ciao a tutti!",
        "ar": "مرحبا بالجميع!",
        "he": "שלום לכולם!",
        "zh": "大家好！",
        "ja": "皆さん、こんにちは！",
        "ru": "Всем привет!",
    },
    {
        "en": "See you tomorrow at the meeting.",
        "fr": "On se voit demain à la réunion.",
        "es": "Nos vemos mañana en la reunión.",
        "pt": "Vemo-nos amanhã na reunião.",
        "de": "Wir sehen uns morgen beim Treffen.",
        "it": "Ci vediamo domani alla riunione.",
        "ar": "نراكم غدا في الاجتماع.",
        "he": "נתראה מחר בפגישה.",
        "zh": "明天会议上见。",
        "ja": "明日の会議で会いましょう。",
        "ru": "Увидимся завтра на встрече.",
    },
    {
        "en": "Thanks a lot, that helps!",
        "fr": "Merci beaucoup, ça aide !",
        "es": "¡Muchas gracias, eso ayuda!",
        "pt": "Muito obrigado, isso ajuda!",
        "de": "Vielen Dank, das hilft!",
        "it": "Grazie mille, mi aiuta!",
        "ar": "شكرا جزيلا، هذا يساعد!",
        "he": "תודה רבה, זה עוזר!",
        "zh": "非常感谢，这很有帮助！",
        "ja": "ありがとうございます、助かります！",
        "ru": "Большое спасибо, это помогает!",
    },
    {
        "en": "Did you see the new version?",
        "fr": "Tu as vu la nouvelle version ?",
        "es": "¿Viste la nueva versión?",
        "pt": "Viste a nova versão?",
        "de": "Hast du die neue Version gesehen?",
        "it": "Hai visto la nuova versione?",
        "ar": "هل رأيت النسخة الجديدة؟",
        "he": "ראית את הגרסה החדשה?",
        "zh": "你看到新版本了吗？",
        "ja": "新しいバージョンを見ましたか？",
        "ru": "Ты видел новую версию?",
    },
    {
        "en": "The translation works really well.",
        "fr": "La traduction marche vraiment bien.",
        "es": "La traducción funciona muy bien.",
        "pt": "A tradução funciona muito bem.",
        "de": "Die Übersetzung funktioniert wirklich gut.",
        "it": "La traduzione funziona davvero bene.",
        "ar": "الترجمة تعمل بشكل جيد جدا.",
        "he": "התרגום עובד ממש טוב.",
        "zh": "翻译效果真的很好。",
        "ja": "翻訳は本当にうまく機能しています。",
        "ru": "Перевод работает очень хорошо.",
    },
    {
        "en": "I'm running a bit late, sorry.",
        "fr": "J'ai un peu de retard, désolé.",
        "es": "Llego un poco tarde, lo siento.",
        "pt": "Estou um pouco atrasado, desculpa.",
        "de": "Ich bin etwas spät dran, sorry.",
        "it": "Sono un po' in ritardo, scusa.",
        "ar": "أنا متأخر قليلا، آسف.",
        "he": "אני קצת מאחר, סליחה.",
        "zh": "我有点迟到，抱歉。",
        "ja": "少し遅れます、すみません。",
        "ru": "Я немного опаздываю, извини.",
    },
    {
        "en": "Who is coming to dinner on Saturday?",
        "fr": "Qui vient dîner samedi ?",
        "es": "¿Quién viene a cenar el sábado?",
        "pt": "Quem vem jantar no sábado?",
        "de": "Wer kommt am Samstag zum Abendessen?",
        "it": "Chi viene a cena sabato?",
        "ar": "من سيأتي إلى العشاء يوم السبت؟",
        "he": "מי בא לארוחת ערב בשבת?",
        "zh": "星期六谁来吃晚饭？",
        "ja": "土曜日の夕食には誰が来ますか？",
        "ru": "Кто придёт на ужин в субботу?",
    },
    {
        "en": "The server is back online.",
        "fr": "Le serveur est de nouveau en ligne.",
        "es": "El servidor vuelve a estar en línea.",
        "pt": "O servidor está novamente online.",
        "de": "Der Server ist wieder online.",
        "it": "Il server è di nuovo online.",
        "ar": "الخادم يعمل من جديد.",
        "he": "השרת חזר לפעול.",
        "zh": "服务器已恢复在线。",
        "ja": "サーバーがオンラインに戻りました。",
        "ru": "Сервер снова в сети.",
    },
    {
        "en": "Happy birthday! Have a great day.",
        "fr": "Joyeux anniversaire ! Passe une belle journée.",
        "es": "¡Feliz cumpleaños! Que tengas un gran día.",
        "pt": "Feliz aniversário! Tem um ótimo dia.",
        "de": "Alles Gute zum Geburtstag! Hab einen schönen Tag.",
        "it": "Buon compleanno! Passa una bella giornata.",
        "ar": "عيد ميلاد سعيد! أتمنى لك يوما رائعا.",
        "he": "יום הולדת שמח! שיהיה לך יום נהדר.",
        "zh": "生日快乐！祝你度过美好的一天。",
        "ja": "お誕生日おめでとう！素敵な一日を。",
        "ru": "С днём рождения! Хорошего дня.",
    },
    {
        "en": "Can you send me the document?",
        "fr": "Tu peux m'envoyer le document ?",
        "es": "¿Me puedes enviar el documento?",
        "pt": "Podes enviar-me o documento?",
        "de": "Kannst du mir das Dokument schicken?",
        "it": "Puoi mandarmi il documento?",
        "ar": "هل يمكنك إرسال المستند لي؟",
        "he": "אתה יכול לשלוח לי את המסמך?",
        "zh": "你能把文件发给我吗？",
        "ja": "書類を送ってもらえますか？",
        "ru": "Можешь прислать мне документ?",
    },
    {
        "en": "Good night, talk soon.",
        "fr": "Bonne nuit, à bientôt.",
        "es": "Buenas noches, hablamos pronto.",
        "pt": "Boa noite, falamos em breve.",
        "de": "Gute Nacht, bis bald.",
        "it": "Buonanotte, a presto.",
        "ar": "تصبحون على خير، نتحدث قريبا.",
        "he": "לילה טוב, נדבר בקרוב.",
        "zh": "晚安，回头聊。",
        "ja": "おやすみなさい、またね。",
        "ru": "Спокойной ночи, до связи.",
    },
    {
        "en": "The weather is lovely here today.",
        "fr": "Il fait très beau ici aujourd'hui.",
        "es": "Hoy hace muy buen tiempo aquí.",
        "pt": "Hoje está um tempo ótimo aqui.",
        "de": "Das Wetter ist heute herrlich hier.",
        "it": "Oggi qui il tempo è splendido.",
        "ar": "الطقس جميل هنا اليوم.",
        "he": "מזג האוויר נהדר כאן היום.",
        "zh": "今天这里天气很好。",
        "ja": "今日はこちらはとても良い天気です。",
        "ru": "Сегодня здесь прекрасная погода.",
    },
)

EMOJI = ("👍", "❤️", "😂", "🎉", "😮", "😢", "🙏", "🔥", "👏", "✅", "🇫🇷", "👨‍👩‍👧")

BIOS = (
    "Développeur passionné 🚀",
    "Coffee, code & travel ✈️",
    "مهندس برمجيات",
    "אוהב מוזיקה 🎶",
    "Amante de los idiomas",
    "Designer UX",
    "Étudiante en linguistique 📚",
    "日本語を勉強中",
)

TRANSLATION_MODELS = ("basic", "medium", "premium")
