"""A generated catalogue of 300 products in 30 topics, and 33 queries that name each topic in
other words (synonyms, loose descriptions, misspellings) with the topic's products expected.

Product texts avoid the generic words shoppers type ("course", "book", "learn"), as real
listings name their subject, not the shopper's intent: keyword matching alone must miss."""

from __future__ import annotations

from dataclasses import dataclass

FORMATS = ("masterclass", "handbook")

# topic: (category, five subjects, a description's theme)
TOPICS: dict[str, tuple[str, tuple[str, ...], str]] = {
    "defi": (
        "Finance",
        (
            "DeFi trading",
            "Decentralized finance yields",
            "Ethereum token investing",
            "Bitcoin wallet security",
            "Blockchain liquidity pools",
        ),
        "digital assets, wallets and on-chain markets",
    ),
    "stocks": (
        "Finance",
        (
            "Stock market investing",
            "Dividend portfolio building",
            "Index fund strategy",
            "Equity valuation",
            "Options trading",
        ),
        "shares, brokers and long-term portfolios",
    ),
    "budget": (
        "Finance",
        (
            "Household budgeting",
            "Debt payoff planning",
            "Frugal living",
            "Emergency fund saving",
            "Family money management",
        ),
        "spending plans and saving money at home",
    ),
    "tax": (
        "Finance",
        (
            "Freelancer tax filing",
            "Small business bookkeeping",
            "VAT returns",
            "Self-employed deductions",
            "Payroll accounting",
        ),
        "receipts, ledgers and filing returns",
    ),
    "python": (
        "Software",
        (
            "Python programming",
            "Django web apps",
            "Pandas data wrangling",
            "Python automation scripts",
            "FastAPI backends",
        ),
        "writing code in Python",
    ),
    "javascript": (
        "Software",
        (
            "JavaScript fundamentals",
            "React components",
            "TypeScript patterns",
            "Node.js servers",
            "Frontend build tooling",
        ),
        "web pages and browser scripting",
    ),
    "kubernetes": (
        "Software",
        (
            "Kubernetes clusters",
            "Docker containers",
            "Helm charts",
            "Cloud-native deployment",
            "Container orchestration",
        ),
        "running services in containers",
    ),
    "security": (
        "Software",
        (
            "Penetration testing",
            "Ethical hacking",
            "Network firewall hardening",
            "Password cracking defence",
            "Malware analysis",
        ),
        "protecting computers from attackers",
    ),
    "ml": (
        "Software",
        (
            "Machine learning models",
            "Neural network training",
            "Deep learning vision",
            "Natural language processing",
            "Gradient boosting",
        ),
        "artificial intelligence and predictive models",
    ),
    "excel": (
        "Software",
        (
            "Excel spreadsheets",
            "Pivot tables",
            "Spreadsheet formulas",
            "Excel dashboards",
            "VBA macros",
        ),
        "workbooks, cells and charts in Microsoft Excel",
    ),
    "yoga": (
        "Health",
        (
            "Yoga flow",
            "Vinyasa sequences",
            "Hatha postures",
            "Morning stretching",
            "Restorative yoga",
        ),
        "flexibility, breathing and mats",
    ),
    "running": (
        "Health",
        (
            "Marathon training",
            "5K running plan",
            "Trail running",
            "Half marathon pacing",
            "Jogging technique",
        ),
        "endurance, pace and race day",
    ),
    "weights": (
        "Health",
        (
            "Strength training",
            "Barbell lifting",
            "Muscle hypertrophy",
            "Kettlebell workouts",
            "Powerlifting programming",
        ),
        "gym sessions, sets and reps",
    ),
    "diet": (
        "Health",
        (
            "Keto meal plans",
            "Intermittent fasting",
            "Calorie counting",
            "Low-carb eating",
            "Weight loss nutrition",
        ),
        "losing weight through eating habits",
    ),
    "sleep": (
        "Health",
        (
            "Sleep hygiene",
            "Insomnia relief",
            "Deep rest routines",
            "Bedtime habits",
            "Circadian rhythm reset",
        ),
        "falling asleep and waking rested",
    ),
    "meditation": (
        "Health",
        (
            "Mindfulness meditation",
            "Anxiety relief breathing",
            "Stress reduction",
            "Calm mind practice",
            "Guided relaxation",
        ),
        "a quieter, less anxious mind",
    ),
    "baking": (
        "Cooking",
        (
            "Sourdough bread",
            "Artisan loaves",
            "Pastry baking",
            "Cake decorating",
            "Croissant lamination",
        ),
        "ovens, dough and flour",
    ),
    "vegan": (
        "Cooking",
        (
            "Plant-based recipes",
            "Vegan dinners",
            "Tofu and tempeh dishes",
            "Dairy-free desserts",
            "Vegetarian meal prep",
        ),
        "meals without meat or dairy",
    ),
    "grill": (
        "Cooking",
        (
            "Barbecue smoking",
            "Grilled steaks",
            "Charcoal grilling",
            "Smoked brisket",
            "Outdoor BBQ",
        ),
        "fire, smoke and meat",
    ),
    "coffee": (
        "Cooking",
        (
            "Espresso brewing",
            "Latte art",
            "Pour-over coffee",
            "Home barista skills",
            "Coffee bean roasting",
        ),
        "cafe drinks made at home",
    ),
    "photo": (
        "Creative",
        (
            "Portrait photography",
            "Camera exposure",
            "Lightroom editing",
            "Landscape photography",
            "DSLR composition",
        ),
        "taking better pictures",
    ),
    "guitar": (
        "Creative",
        (
            "Acoustic guitar chords",
            "Electric guitar solos",
            "Fingerstyle guitar",
            "Blues guitar riffs",
            "Guitar scales",
        ),
        "playing a six-string instrument",
    ),
    "piano": (
        "Creative",
        (
            "Piano for beginners",
            "Keyboard chords",
            "Classical piano pieces",
            "Jazz piano voicings",
            "Sight-reading sheet music",
        ),
        "playing the keys",
    ),
    "drawing": (
        "Creative",
        (
            "Pencil sketching",
            "Figure drawing",
            "Watercolor painting",
            "Digital illustration",
            "Perspective drawing",
        ),
        "art with pencils, paint and tablets",
    ),
    "video": (
        "Creative",
        (
            "YouTube video editing",
            "Premiere Pro cuts",
            "Vlog filming",
            "Color grading footage",
            "Short-form video creation",
        ),
        "making videos for channels",
    ),
    "seo": (
        "Marketing",
        (
            "Search engine optimization",
            "Keyword research",
            "Backlink building",
            "Google ranking factors",
            "Technical SEO audits",
        ),
        "getting found on Google",
    ),
    "email": (
        "Marketing",
        (
            "Email newsletter growth",
            "Mailing list automation",
            "Drip campaigns",
            "Email copywriting",
            "Subscriber funnels",
        ),
        "inboxes, open rates and subscribers",
    ),
    "social": (
        "Marketing",
        (
            "Instagram growth",
            "TikTok content strategy",
            "Social media scheduling",
            "Influencer outreach",
            "Facebook ads",
        ),
        "followers and posts on social networks",
    ),
    "spanish": (
        "Languages",
        (
            "Spanish conversation",
            "Spanish grammar drills",
            "Latin American Spanish",
            "Spanish vocabulary",
            "Spanish for travel",
        ),
        "speaking Spanish fluently",
    ),
    "garden": (
        "Home",
        (
            "Vegetable gardening",
            "Raised bed planting",
            "Composting at home",
            "Houseplant care",
            "Organic pest control",
        ),
        "growing plants and soil",
    ),
}

# (query, topic): loose descriptions, synonyms and misspellings of a topic's subject
QUERIES: list[tuple[str, str]] = [
    ("crypto course", "defi"),
    ("how to invest in shares", "stocks"),
    ("save money on groceries and bills", "budget"),
    ("help with my taxes as a contractor", "tax"),
    ("pythn coding for beginners", "python"),
    ("build websites with JS", "javascript"),
    ("deploy microservices k8s", "kubernetes"),
    ("cybersecurity for hackers", "security"),
    ("AI course", "ml"),
    ("get better at spreadsheets", "excel"),
    ("stretching routine for flexibility", "yoga"),
    ("prepare for my first marathon", "running"),
    ("build muscle at the gym", "weights"),
    ("lose weight fast", "diet"),
    ("I can't sleep at night", "sleep"),
    ("reduce anxiety", "meditation"),
    ("bake bread at home", "baking"),
    ("cooking without meat", "vegan"),
    ("bbq pitmaster", "grill"),
    ("make cafe drinks at home", "coffee"),
    ("take better photos with my camera", "photo"),
    ("learn to play guitar", "guitar"),
    ("piano lessons", "piano"),
    ("art lessons for painting", "drawing"),
    ("edit videos for my channel", "video"),
    ("rank higher on google", "seo"),
    ("grow my newsletter", "email"),
    ("get more followers", "social"),
    ("speak spanish", "spanish"),
    ("grow tomatoes in my backyard", "garden"),
    ("cryptocurency investing", "defi"),
    ("machne lerning", "ml"),
    ("weightlifting program", "weights"),
]


@dataclass(frozen=True)
class Item:
    key: str  # topic/index: how expectations name it
    title: str
    description: str
    category: str
    tags: list[str]
    price_minor: int


def items() -> list[Item]:
    out = []
    for t, (topic, (category, subjects, theme)) in enumerate(TOPICS.items()):
        for s, subject in enumerate(subjects):
            for f, fmt in enumerate(FORMATS):
                n = s * len(FORMATS) + f
                out.append(
                    Item(
                        key=f"{topic}/{n}",
                        title=f"{subject} {fmt}",
                        description=f"{subject}: everything about {theme}, step by step.",
                        category=category,
                        tags=[topic],
                        price_minor=1_000 + 500 * ((t * 7 + n * 3) % 40),
                    )
                )
    return out


def relevant(topic: str) -> set[str]:
    return {f"{topic}/{n}" for n in range(len(TOPICS[topic][1]) * len(FORMATS))}
