"""Regenerate servers/catalog/src/salient_catalog/demo/catalog.json, the demo product catalog for Brightwell Home Health.

Brightwell Home Health is the fictional US online retailer (USD) of home medical,
mobility and wellness equipment used by the Salient demo. This script holds the
hand-written catalog data (categories, search synonyms, products and variants) and
writes it into the catalog package (so `salient-catalog --demo` works when installed on its own). It uses only the standard library and
is deterministic: the only randomness (stock levels) comes from random.Random(42).

Usage:  python3 config/demo/build_catalog.py
"""

from __future__ import annotations

import json
import random
import re
import sys
from pathlib import Path

OUT_PATH = Path(__file__).resolve().parents[2] / "servers/catalog/src/salient_catalog/demo/catalog.json"
BASE_URL = "https://brightwell.example"
CURRENCY = "USD"
HOUSE_BRAND = "Brightwell Essentials"

# --------------------------------------------------------------------------------------
# Categories: (slug, name, parent, description)
# --------------------------------------------------------------------------------------
CATEGORIES = [
    (
        "mobility",
        "Mobility",
        None,
        "Wheelchairs, rollators, walkers, canes and mobility scooters that help people stay active and independent at home and on the go.",
    ),
    (
        "wheelchairs",
        "Wheelchairs",
        "mobility",
        "Self-propelled, lightweight folding, transport, reclining, bariatric and power wheelchairs for everyday and occasional use.",
    ),
    (
        "rollators",
        "Rollators",
        "mobility",
        "Four-wheel rollator walkers with seats, hand brakes and storage for walking with support and resting along the way.",
    ),
    (
        "walkers",
        "Walkers",
        "mobility",
        "Standard, wheeled, hemi, bariatric and knee walkers that provide a stable frame for balance and recovery.",
    ),
    (
        "canes",
        "Canes",
        "mobility",
        "Offset, quad, folding, seat and self-standing canes for light walking support.",
    ),
    (
        "mobility-scooters",
        "Mobility Scooters",
        "mobility",
        "Folding travel scooters, mid-size and heavy-duty 3- and 4-wheel mobility scooters.",
    ),
    (
        "mobility-accessories",
        "Mobility Accessories",
        "mobility",
        "Cushions, bags, cup holders, batteries, covers, glides and tips for wheelchairs, rollators, walkers, canes and scooters.",
    ),
    (
        "monitoring",
        "Health Monitoring",
        None,
        "Home health monitors for blood pressure, oxygen saturation, temperature and blood glucose, plus the cuffs, strips and supplies that go with them.",
    ),
    (
        "blood-pressure-monitors",
        "Blood Pressure Monitors",
        "monitoring",
        "Upper arm and wrist blood pressure monitors with memory, multi-user profiles, Bluetooth and irregular heartbeat detection.",
    ),
    (
        "pulse-oximeters",
        "Pulse Oximeters",
        "monitoring",
        "Fingertip, handheld and wrist-worn pulse oximeters that measure SpO2 and pulse rate.",
    ),
    (
        "thermometers",
        "Thermometers",
        "monitoring",
        "Digital stick, ear, forehead, temporal and clinical thermometers for adults, children and babies.",
    ),
    (
        "glucose-meters",
        "Glucose Meters",
        "monitoring",
        "Blood glucose meters and monitoring kits for people managing diabetes at home or in care settings.",
    ),
    (
        "monitoring-accessories",
        "Monitoring Accessories",
        "monitoring",
        "Replacement blood pressure cuffs, oximeter lanyards, test strips, lancets, probe covers, adapters and cases.",
    ),
    (
        "bathroom-safety",
        "Bathroom Safety",
        None,
        "Shower chairs, grab bars, raised toilet seats and commodes that reduce the risk of falls in the bathroom.",
    ),
    (
        "shower-chairs",
        "Shower Chairs & Transfer Benches",
        "bathroom-safety",
        "Shower chairs, stools and tub transfer benches for seated, safer bathing.",
    ),
    (
        "grab-bars",
        "Grab Bars & Safety Rails",
        "bathroom-safety",
        "Wall-mounted, suction, tub-clamp and floor-to-ceiling grab bars and safety rails.",
    ),
    (
        "raised-toilet-seats",
        "Raised Toilet Seats",
        "bathroom-safety",
        "Raised toilet seats and toilet seat risers, with and without arms, for easier sitting and standing.",
    ),
    (
        "bedside-commodes",
        "Bedside Commodes",
        "bathroom-safety",
        "3-in-1, drop-arm, folding and bariatric bedside commodes for bedroom or over-toilet use.",
    ),
    (
        "bedroom",
        "Bedroom & Home Care",
        None,
        "Hospital beds, pressure relief mattresses and bed rails for safe, comfortable care at home and in care homes.",
    ),
    (
        "hospital-beds",
        "Hospital Beds",
        "bedroom",
        "Manual, semi-electric, full-electric, low and bariatric hospital beds for home care and long-term care.",
    ),
    (
        "pressure-mattresses",
        "Pressure Relief Mattresses",
        "bedroom",
        "Foam, gel, alternating pressure and low air loss mattresses and overlays that help prevent pressure ulcers.",
    ),
    (
        "bed-rails",
        "Bed Rails & Assist Handles",
        "bedroom",
        "Bed assist handles, bed canes and half- or full-length bed rails for home and hospital beds.",
    ),
    (
        "daily-living",
        "Daily Living Aids",
        None,
        "Reachers, pill organizers and other everyday aids that make daily tasks easier.",
    ),
    (
        "reachers",
        "Reachers & Grabbers",
        "daily-living",
        "Reacher grabbers in several lengths for picking things up without bending or stretching.",
    ),
    (
        "pill-organizers",
        "Pill Organizers",
        "daily-living",
        "Weekly and monthly pill organizers, alarm pill boxes and automatic pill dispensers.",
    ),
    (
        "respiratory",
        "Respiratory Care",
        None,
        "Nebulizers and CPAP supplies for respiratory therapy at home.",
    ),
    (
        "nebulizers",
        "Nebulizers",
        "respiratory",
        "Compressor and mesh nebulizers for adults and children, for home and travel.",
    ),
    (
        "cpap-accessories",
        "CPAP Supplies",
        "respiratory",
        "CPAP tubing, filters, cushions, chinstraps, wipes and hose covers.",
    ),
    (
        "orthopedic",
        "Orthopedic & Pain Relief",
        None,
        "Braces, supports, compression garments and TENS units for injury recovery, circulation and pain relief.",
    ),
    (
        "braces",
        "Braces & Supports",
        "orthopedic",
        "Knee, ankle, wrist, back, elbow and shoulder braces and supports in a full range of sizes.",
    ),
    (
        "compression",
        "Compression Stockings & Socks",
        "orthopedic",
        "Graduated compression stockings, socks, pantyhose and sleeves from 8-15 to 30-40 mmHg.",
    ),
    (
        "tens-units",
        "TENS Units",
        "orthopedic",
        "TENS and TENS/EMS units for drug-free relief of muscle and joint pain.",
    ),
    (
        "patient-lifts",
        "Patient Lifts",
        None,
        "Manual hydraulic, electric, bariatric and sit-to-stand patient lifts for safe transfers by caregivers.",
    ),
    (
        "first-aid",
        "First Aid",
        None,
        "First aid kits for homes, vehicles, workplaces, sports and care facilities.",
    ),
]

# --------------------------------------------------------------------------------------
# Search synonyms
# --------------------------------------------------------------------------------------
SYNONYMS = [
    ("bp monitor", "blood pressure monitor"),
    ("sphygmomanometer", "blood pressure monitor"),
    ("blood pressure machine", "blood pressure monitor"),
    ("bp cuff", "blood pressure cuff"),
    ("o2 sat", "pulse oximeter"),
    ("spo2 monitor", "pulse oximeter"),
    ("oxygen monitor", "pulse oximeter"),
    ("oximeter", "pulse oximeter"),
    ("walker with seat", "rollator"),
    ("rolling walker", "rollator"),
    ("commode", "bedside commode"),
    ("hoyer lift", "patient lift"),
    ("patient hoist", "patient lift"),
    ("tens", "tens unit"),
    ("grabber", "reacher"),
    ("reaching tool", "reacher"),
    ("pill box", "pill organizer"),
    ("pill dispenser", "pill organizer"),
    ("electric scooter", "mobility scooter"),
    ("power chair", "power wheelchair"),
    ("wheel chair", "wheelchair"),
    ("transport wheelchair", "transport chair"),
    ("shower seat", "shower chair"),
    ("bath bench", "tub transfer bench"),
    ("toilet riser", "raised toilet seat"),
    ("support stockings", "compression stockings"),
    ("ted hose", "compression stockings"),
    ("glucometer", "blood glucose meter"),
    ("sugar tester", "blood glucose meter"),
    ("alternating pressure pad", "pressure mattress"),
    ("bed assist rail", "bed rail"),
    ("cpap hose", "cpap tubing"),
    ("breathing machine", "nebulizer"),
]

# --------------------------------------------------------------------------------------
# Helpers for writing product data compactly
# --------------------------------------------------------------------------------------
CUFF_RANGES = {"S": "17-22", "M": "22-32", "L": "32-42", "XL": "42-52", "M-L": "22-42"}


def v(delta=0, stock=None, **attrs):
    """A variant: price delta vs. the product base price, optional fixed stock, attribute overrides."""
    return {"delta": delta, "stock": stock, "attrs": attrs}


def cuff(size, delta=0, stock=None):
    return v(delta, stock, cuff_size=size, cuff_range_cm=CUFF_RANGES[size])


def sizes(*labels, deltas=None):
    deltas = deltas or {}
    return [v(deltas.get(s, 0), size=s) for s in labels]


def p(model, brand, price, compare, tags, attrs, blurb, variants=None):
    return {
        "model": model,
        "brand": brand,
        "price": price,
        "compare": compare,
        "tags": tags.split(),
        "attrs": attrs,
        "blurb": blurb,
        "variants": variants or [v()],
    }


def num(x):
    """Render a number without a trailing .0."""
    return str(int(x)) if float(x).is_integer() else str(x)


def lb(kg):
    return round(kg * 2.20462)


def an(word):
    """Indefinite article for a word or number ("an 18-inch", "an LED", "a steel")."""
    word = str(word)
    if word[:1].isdigit():
        lead = re.match(r"\d+", word).group()
        return "an" if lead.startswith("8") or lead in ("11", "18") else "a"
    if word.split("-")[0].isupper() and len(word.split("-")[0]) > 1:
        return "an" if word[0] in "AEFHILMNORSX" else "a"
    return "an" if word[:1].lower() in "aeiou" else "a"


def plural(n, word):
    return f"{num(n)} {word}" if n == 1 else f"{num(n)} {word}s"


def join_and(items):
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


# --------------------------------------------------------------------------------------
# Category product tables. Each entry: code (for SKUs), attribute keys (shared by every
# product of the category, in order), noun (must appear in descriptions, or None),
# spec(a) -> one generated spec sentence, and the products.
# --------------------------------------------------------------------------------------
SPECS: dict[str, dict] = {}


def category(slug, code, keys, noun, spec, products):
    SPECS[slug] = {"code": code, "keys": keys, "noun": noun, "spec": spec, "products": products}


# ---- Wheelchairs ----------------------------------------------------------------------
def _wheelchair(a):
    fold = ", and the frame folds down to fit in a car trunk or closet" if a["foldable"] else ""
    return (
        f"This {a['wheelchair_type']} wheelchair weighs {num(a['weight_kg'])} kg, supports users up to "
        f"{a['max_user_weight_kg']} kg ({lb(a['max_user_weight_kg'])} lb) and has {an(a['seat_width_in'])} {num(a['seat_width_in'])}-inch seat "
        f"on {an(a['frame_material'])} {a['frame_material']} frame with {num(a['rear_wheel_in'])}-inch rear wheels{fold}."
    )


category(
    "wheelchairs",
    "WC",
    [
        "wheelchair_type",
        "weight_kg",
        "max_user_weight_kg",
        "seat_width_in",
        "foldable",
        "frame_material",
        "rear_wheel_in",
        "seat_height_in",
    ],
    "wheelchair",
    _wheelchair,
    [
        p(
            "AeroLite Folding Wheelchair",
            "Stridewell",
            549,
            649,
            "lightweight folding self-propelled quick-release-wheels",
            ("self-propelled", 11.8, 113, 18, True, "aluminum", 24, 19.5),
            "The AeroLite is a lightweight folding wheelchair for people who lift their chair in and out of a car every day. "
            "Quick-release rear wheels, flip-back desk arms and swing-away footrests make transfers and storage easy.",
            [
                v(seat_width_in=18, color="blue"),
                v(30, seat_width_in=20, color="blue"),
                v(seat_width_in=18, color="black"),
            ],
        ),
        p(
            "Cruiser Lite 9 Folding Wheelchair",
            "Carelynx",
            429,
            489,
            "lightweight folding self-propelled budget",
            ("self-propelled", 13.2, 136, 18, True, "aluminum", 24, 19.5),
            "An affordable lightweight wheelchair with a padded nylon seat, height-adjustable desk arms and elevating legrests.",
            [v(seat_width_in=18), v(20, seat_width_in=20)],
        ),
        p(
            "Voyager Sport Lightweight Wheelchair",
            "AeroMotion",
            589,
            None,
            "lightweight folding self-propelled sport",
            ("self-propelled", 12.4, 120, 18, True, "aluminum", 24, 19),
            "The Voyager Sport is a sporty lightweight folding wheelchair with a rigid-style cross brace, push-to-lock brakes "
            "and solid rear tires that never go flat.",
            [v(color="red"), v(color="black")],
        ),
        p(
            "Nimbus Lightweight Folding Wheelchair",
            "NovaCare Medical",
            679,
            749,
            "lightweight folding self-propelled elevating-legrests",
            ("self-propelled", 12.9, 136, 18, True, "aluminum", 24, 18.5),
            "A premium lightweight folding wheelchair with a tension-adjustable back, flip-up padded arms and "
            "elevating legrests for all-day comfort.",
            [v(-20, seat_width_in=16), v(seat_width_in=18), v(25, seat_width_in=20)],
        ),
        p(
            "FeatherGlide Ultralight Wheelchair",
            "AeroMotion",
            1249,
            1399,
            "ultralight lightweight folding self-propelled active-user",
            ("self-propelled", 9.8, 113, 17, True, "aluminum", 24, 19),
            "Built from 7000-series aluminum, the FeatherGlide is an ultralight folding wheelchair for active users who "
            "propel themselves all day.",
            [v(seat_width_in=16), v(seat_width_in=17), v(seat_width_in=18)],
        ),
        p(
            "Apex Carbon Folding Wheelchair",
            "AeroMotion",
            2195,
            2399,
            "ultralight lightweight carbon-fiber folding premium",
            ("self-propelled", 8.9, 120, 17, True, "carbon fiber", 24, 19),
            "The Apex Carbon is one of the lightest folding wheelchairs available, with a carbon fiber frame, "
            "spoked quick-release wheels and a fold-down back for air travel.",
        ),
        p(
            "Metro Standard Steel Wheelchair",
            HOUSE_BRAND,
            249,
            None,
            "standard budget folding self-propelled",
            ("self-propelled", 18.1, 136, 18, True, "steel", 24, 19.5),
            "A dependable standard wheelchair with a chrome-plated steel frame, full-length arms and swing-away footrests.",
            [v(seat_width_in=16), v(seat_width_in=18), v(10, seat_width_in=20)],
        ),
        p(
            "Titan HD Bariatric Wheelchair",
            "Carelynx",
            899,
            999,
            "bariatric heavy-duty wide-seat folding",
            ("bariatric", 23.6, 227, 22, True, "steel", 24, 20),
            "The Titan HD is a heavy-duty bariatric wheelchair with a double cross-brace, reinforced upholstery and "
            "a 500 lb weight capacity.",
            [v(seat_width_in=22), v(50, seat_width_in=24), v(100, seat_width_in=26)],
        ),
        p(
            "Breeze Aluminum Transport Chair",
            "Stridewell",
            229,
            269,
            "transport-chair lightweight folding companion-propelled travel",
            ("transport", 8.6, 113, 19, True, "aluminum", 12, 19.5),
            "The Breeze is a lightweight transport chair pushed by a companion, with hand brakes on the push handles "
            "and a seatbelt for secure trips to appointments.",
            [v(color="blue"), v(color="burgundy")],
        ),
        p(
            "Companion Steel Transport Chair",
            HOUSE_BRAND,
            169,
            199,
            "transport-chair folding companion-propelled budget",
            ("transport", 11.3, 136, 19, True, "steel", 8, 19),
            "A budget-friendly folding transport chair with 8-inch rear wheels, a fold-down back and "
            "padded armrests, ideal for occasional outings.",
            [v(-10, seat_width_in=17), v(seat_width_in=19)],
        ),
        p(
            "Solace Tilt-Recline Wheelchair",
            "NovaCare Medical",
            1489,
            None,
            "reclining high-back elevating-legrests care-home",
            ("reclining", 26.3, 136, 18, True, "steel", 24, 20),
            "The Solace is a high-back reclining wheelchair with a tilt-in-space seat and padded headrest for users "
            "who need to change position throughout the day.",
            [v(seat_width_in=16), v(seat_width_in=18)],
        ),
        p(
            "Sprout Pediatric Wheelchair",
            "Stridewell",
            399,
            449,
            "pediatric lightweight folding self-propelled",
            ("pediatric", 10.2, 75, 14, True, "aluminum", 20, 17.5),
            "A lightweight folding pediatric wheelchair sized for children, with a growth kit that adds two inches "
            "of seat depth.",
            [v(-20, seat_width_in=12, color="green"), v(seat_width_in=14, color="green")],
        ),
        p(
            "Fold & Go Power Wheelchair",
            "Voltra",
            1899,
            2199,
            "power-wheelchair electric folding lithium travel",
            ("power", 23.5, 136, 18, True, "aluminum", 12, 19.5),
            "The Fold & Go is a folding power wheelchair with a removable lithium battery that travels up to 15 miles "
            "per charge and folds in seconds for car trunks and airline travel.",
        ),
    ],
)


# ---- Rollators ------------------------------------------------------------------------
def _rollator(a):
    fold = " It folds flat for storage and travel." if a["foldable"] else ""
    return (
        f"This {a['rollator_type']} rollator weighs {num(a['weight_kg'])} kg, supports up to {a['max_user_weight_kg']} kg "
        f"({lb(a['max_user_weight_kg'])} lb) and rolls on {num(a['wheel_diameter_in'])}-inch wheels, with a seat "
        f"{num(a['seat_height_in'])} inches from the floor and {an(a['storage_type'])} {a['storage_type']}.{fold}"
    )


category(
    "rollators",
    "RL",
    [
        "rollator_type",
        "weight_kg",
        "max_user_weight_kg",
        "seat_height_in",
        "wheel_diameter_in",
        "frame_material",
        "storage_type",
        "foldable",
    ],
    "rollator",
    _rollator,
    [
        p(
            "Cityline Euro-Style Rollator",
            "Stridewell",
            179,
            219,
            "walker-with-seat four-wheel folding",
            ("standard", 8.4, 136, 21, 8, "aluminum", "under-seat basket", True),
            "The Cityline is a Euro-style four-wheel rollator with loop hand brakes, a padded seat and a backrest "
            "for resting on longer walks.",
            [v(color="blue"), v(color="red"), v(color="black")],
        ),
        p(
            "Featherstep Ultra-Light Rollator",
            "AeroMotion",
            249,
            None,
            "lightweight walker-with-seat folding",
            ("lightweight", 5.9, 136, 21.5, 8, "aluminum", "zippered seat bag", True),
            "At under 6 kg, the Featherstep is a lightweight rollator that is easy to lift into a car and folds "
            "with one pull of the seat strap.",
            [v(color="silver"), v(color="champagne")],
        ),
        p(
            "Trekker All-Terrain Rollator",
            "Stridewell",
            329,
            379,
            "all-terrain outdoor large-wheels walker-with-seat",
            ("all-terrain", 9.8, 136, 22, 10, "aluminum", "under-seat basket", True),
            "Large 10-inch rubber wheels and front suspension make the Trekker an all-terrain rollator for "
            "gravel paths, grass and uneven sidewalks.",
        ),
        p(
            "Atlas HD Bariatric Rollator",
            "Carelynx",
            289,
            None,
            "bariatric heavy-duty wide-seat walker-with-seat",
            ("bariatric", 11.8, 227, 22, 8, "steel", "under-seat basket", True),
            "The Atlas HD is a heavy-duty bariatric rollator with a 20-inch-wide padded seat and reinforced steel frame.",
        ),
        p(
            "UpRight Posture Rollator",
            "NovaCare Medical",
            449,
            499,
            "upright forearm-support posture walker-with-seat",
            ("upright", 9.5, 136, 22.5, 10, "aluminum", "zippered pouch", True),
            "Padded forearm supports let you walk tall with the UpRight, a posture rollator that reduces strain on "
            "the back, neck and wrists.",
        ),
        p(
            "Duo 2-in-1 Rollator Transport Chair",
            "Carelynx",
            279,
            329,
            "transport-chair 2-in-1 walker-with-seat",
            ("2-in-1 transport", 10.9, 136, 20.5, 8, "aluminum", "under-seat bag", True),
            "The Duo converts from a rollator into a transport chair in seconds by flipping the backrest and "
            "attaching the footrests.",
            [v(color="blue"), v(color="red")],
        ),
        p(
            "Petite Low-Seat Rollator",
            HOUSE_BRAND,
            149,
            None,
            "petite low-seat walker-with-seat",
            ("petite", 7.3, 113, 19, 6, "aluminum", "under-seat basket", True),
            "A petite rollator with a 19-inch seat height and lower handles for users between 4'10\" and 5'4\".",
        ),
        p(
            "Luma Carbon Rollator",
            "AeroMotion",
            599,
            649,
            "carbon-fiber ultralight lightweight premium walker-with-seat",
            ("carbon", 5.2, 136, 21.5, 9, "carbon fiber", "zippered seat bag", True),
            "The Luma pairs a carbon fiber frame with soft-rolling wheels for a premium lightweight rollator that "
            "weighs just 5.2 kg.",
        ),
        p(
            "Nook Narrow Indoor Rollator",
            "Harbor Medical",
            159,
            None,
            "indoor narrow tray walker-with-seat",
            ("indoor", 6.8, 113, 23, 5, "steel", "removable tray and basket", False),
            "The Nook is a narrow indoor rollator that fits through tight doorways and carries meals and drinks on "
            "its removable tray.",
        ),
    ],
)


# ---- Walkers --------------------------------------------------------------------------
def _walker(a):
    extras = []
    if a["front_wheels"]:
        extras.append("front wheels for smooth gliding")
    if a["foldable"]:
        extras.append("a frame that folds flat for storage")
    extra = f" It has {join_and(extras)}." if extras else ""
    return (
        f"This {a['walker_type']} walker weighs {num(a['weight_kg'])} kg, adjusts from {num(a['height_min_in'])} to "
        f"{num(a['height_max_in'])} inches in height and supports users up to {a['max_user_weight_kg']} kg "
        f"({lb(a['max_user_weight_kg'])} lb).{extra}"
    )


category(
    "walkers",
    "WK",
    [
        "walker_type",
        "weight_kg",
        "max_user_weight_kg",
        "height_min_in",
        "height_max_in",
        "foldable",
        "front_wheels",
        "frame_material",
    ],
    "walker",
    _walker,
    [
        p(
            "Basic Two-Button Folding Walker",
            HOUSE_BRAND,
            49.99,
            None,
            "standard folding two-button",
            ("standard", 2.8, 159, 32, 39, True, False, "aluminum"),
            "A classic two-button folding walker with comfortable vinyl hand grips and non-skid rubber tips.",
        ),
        p(
            "Glide Wheeled Folding Walker",
            "Stridewell",
            79.99,
            89.99,
            "two-wheel wheeled folding front-wheels",
            ("two-wheel", 3.2, 159, 32, 39, True, True, "aluminum"),
            "The Glide is a wheeled folding walker with 5-inch front wheels and rear glide caps for an easy, natural gait.",
            [v(color="silver"), v(color="blue")],
        ),
        p(
            "Atlas HD Bariatric Walker",
            "Carelynx",
            139,
            None,
            "bariatric heavy-duty folding",
            ("bariatric", 5.4, 227, 32, 39, True, False, "steel"),
            "A heavy-duty bariatric walker with an extra-wide frame and reinforced cross brace rated to 500 lb.",
        ),
        p(
            "Junior Folding Walker",
            "Carelynx",
            69.99,
            None,
            "junior petite folding",
            ("junior", 2.5, 136, 25, 32, True, False, "aluminum"),
            "The junior folding walker is sized for shorter adults and teens, with the same sturdy two-button fold as "
            "our adult models.",
        ),
        p(
            "Hemi One-Arm Walker",
            "NovaCare Medical",
            89.99,
            None,
            "hemi one-handed stroke-recovery",
            ("hemi", 3.1, 136, 30, 37, True, False, "aluminum"),
            "Designed for one-handed use, the Hemi walker gives more support than a quad cane for people recovering "
            "from a stroke.",
        ),
        p(
            "GlideKnee Steerable Knee Walker",
            "Stridewell",
            189,
            229,
            "knee-walker scooter foot-injury steerable",
            ("knee", 9.5, 136, 18, 24, True, True, "steel"),
            "A steerable knee walker that replaces crutches after foot or ankle surgery, with a padded knee platform, "
            "hand brake and basket.",
        ),
        p(
            "Compact Travel Walker",
            "AeroMotion",
            99.99,
            None,
            "travel folding compact lightweight",
            ("travel", 2.3, 136, 31, 38, True, False, "aluminum"),
            "The Compact Travel walker folds into a slim package that fits in a suitcase or overhead bin.",
        ),
        p(
            "Trio Ski-Glide Walker",
            "Harbor Medical",
            89,
            None,
            "two-wheel ski-glides front-wheels folding",
            ("two-wheel", 3.4, 159, 32, 39, True, True, "aluminum"),
            "This wheeled walker comes fitted with ski glides on the rear legs that slide smoothly over carpet, "
            "tile and pavement.",
        ),
    ],
)


# ---- Canes ----------------------------------------------------------------------------
def _cane(a):
    if a["adjustable"]:
        adj = f"adjusts from {num(a['height_min_in'])} to {num(a['height_max_in'])} inches"
    else:
        adj = f"comes in a fixed {num(a['height_min_in'])}-inch length"
    return (
        f"This {a['cane_type']} cane weighs {num(a['weight_kg'])} kg, {adj} and supports up to "
        f"{a['max_user_weight_kg']} kg with {an(a['handle_type'])} {a['handle_type']} handle on "
        f"{an(a['material'])} {a['material']} shaft."
    )


category(
    "canes",
    "CN",
    [
        "cane_type",
        "weight_kg",
        "max_user_weight_kg",
        "height_min_in",
        "height_max_in",
        "adjustable",
        "handle_type",
        "material",
    ],
    "cane",
    _cane,
    [
        p(
            "Stride Offset Cane",
            "Stridewell",
            19.99,
            None,
            "offset adjustable walking-cane",
            ("offset", 0.45, 136, 30, 39, True, "foam offset", "aluminum"),
            "The Stride is an offset cane that centers your weight over the shaft for better balance.",
            [v(color="black"), v(color="bronze"), v(color="blue")],
        ),
        p(
            "SureBase Quad Cane",
            "Carelynx",
            34.99,
            None,
            "quad-cane four-point stable",
            ("quad", 1.1, 136, 28, 37, True, "offset", "aluminum"),
            "A four-point quad cane with rubber feet that stands on its own and gives more stability than a single-tip cane.",
            [v(base_size="small"), v(5, base_size="large")],
        ),
        p(
            "Nova Folding Cane with LED Light",
            "NovaCare Medical",
            29.99,
            None,
            "folding led-light travel",
            ("folding", 0.42, 113, 33, 37, True, "ergonomic", "aluminum"),
            "This folding cane has a built-in LED flashlight in the handle for safer walking at night and folds into "
            "four sections for a bag.",
        ),
        p(
            "Rest-Stop Seat Cane",
            "Harbor Medical",
            49.99,
            None,
            "seat-cane tripod folding-seat",
            ("seat", 1.4, 113, 34, 34, False, "T", "aluminum"),
            "A seat cane that opens into a tripod stool, so you can rest while waiting in line or at the park.",
        ),
        p(
            "Heritage Derby Wooden Cane",
            "Harbor Medical",
            39.99,
            None,
            "wooden classic derby",
            ("derby", 0.35, 113, 36, 36, False, "derby", "hardwood"),
            "A classic hardwood walking cane with a comfortable derby handle and a rubber tip; it can be cut to length.",
        ),
        p(
            "StandTall Self-Standing Cane",
            "Stridewell",
            39.99,
            44.99,
            "self-standing adjustable pivoting-base",
            ("self-standing", 0.5, 136, 30, 39, True, "ergonomic", "aluminum"),
            "The StandTall is a self-standing cane with a pivoting tripod base that stays upright when you let go.",
        ),
        p(
            "Atlas HD Bariatric Cane",
            "Carelynx",
            29.99,
            None,
            "bariatric heavy-duty offset",
            ("bariatric", 0.68, 227, 30, 39, True, "foam offset", "steel"),
            "A heavy-duty bariatric cane with a reinforced steel shaft rated to 500 lb.",
        ),
        p(
            "Whisper Carbon Folding Cane",
            "AeroMotion",
            69.99,
            79.99,
            "folding carbon-fiber ultralight travel",
            ("folding", 0.29, 113, 32, 37, True, "derby", "carbon fiber"),
            "The Whisper is an ultralight carbon fiber folding cane that weighs less than a smartphone and packs "
            "into a pouch.",
        ),
    ],
)


# ---- Mobility scooters ----------------------------------------------------------------
def _scooter(a):
    fold = (
        " The frame folds for car trunks."
        if a["foldable"]
        else " It breaks down into lightweight pieces for transport."
        if a["weight_kg"] < 50
        else ""
    )
    return (
        f"This {a['wheel_count']}-wheel mobility scooter reaches {num(a['max_speed_mph'])} mph, travels up to "
        f"{a['range_mi']} miles per charge on its {num(a['battery_ah'])} Ah battery and carries users up to "
        f"{a['max_user_weight_kg']} kg ({lb(a['max_user_weight_kg'])} lb).{fold}"
    )


category(
    "mobility-scooters",
    "SC",
    [
        "wheel_count",
        "max_speed_mph",
        "range_mi",
        "weight_kg",
        "max_user_weight_kg",
        "battery_ah",
        "foldable",
        "ground_clearance_in",
    ],
    "scooter",
    _scooter,
    [
        p(
            "Zippi Fold Lithium Travel Scooter",
            "Voltra",
            1599,
            1799,
            "travel folding lithium airline-friendly",
            (4, 3.7, 12, 23, 113, 10, True, 2.5),
            "The Zippi Fold is a lightweight travel scooter with an airline-friendly lithium battery.",
            [v(color="red"), v(color="blue")],
        ),
        p(
            "Scout 3-Wheel Travel Scooter",
            "Voltra",
            899,
            999,
            "travel 3-wheel disassembles tight-turning",
            (3, 4, 10, 44, 113, 12, False, 2),
            "A nimble 3-wheel travel scooter with a tight turning radius for stores and narrow hallways.",
            [v(color="red"), v(color="blue")],
        ),
        p(
            "Scout 4-Wheel Travel Scooter",
            "Voltra",
            949,
            1049,
            "travel 4-wheel disassembles stable",
            (4, 4, 9, 46, 113, 12, False, 2),
            "The 4-wheel version of the Scout travel scooter adds stability on ramps and curb cuts.",
            [v(color="red"), v(color="blue")],
        ),
        p(
            "Ranger Mid-Size 4-Wheel Scooter",
            "NovaCare Medical",
            1799,
            None,
            "mid-size 4-wheel full-suspension outdoor",
            (4, 5.3, 17, 75, 136, 20, False, 3),
            "The Ranger is a mid-size mobility scooter with full suspension, LED lighting and a captain's seat for "
            "longer outdoor trips.",
        ),
        p(
            "Pathfinder HD Bariatric Scooter",
            "Carelynx",
            2499,
            2799,
            "bariatric heavy-duty 4-wheel outdoor",
            (4, 5, 20, 95, 181, 35, False, 3.5),
            "A heavy-duty bariatric scooter with pneumatic tires, a wide reclining seat and a 400 lb capacity.",
        ),
        p(
            "Orbit Auto-Fold Scooter",
            "Voltra",
            2299,
            2499,
            "auto-fold folding remote-control lithium travel",
            (4, 4, 12, 27, 113, 11.5, True, 2.4),
            "The Orbit folds and unfolds automatically at the press of a key-fob button, making it the easiest "
            "travel scooter to load.",
        ),
        p(
            "Sprinter XL 3-Wheel Scooter",
            "NovaCare Medical",
            1699,
            None,
            "full-size 3-wheel outdoor",
            (3, 5.5, 18, 79, 159, 20, False, 3),
            "A full-size 3-wheel mobility scooter with generous legroom, a front basket and a swivel seat.",
        ),
        p(
            "Tourer Compact Folding Scooter",
            "Stridewell",
            1299,
            1449,
            "travel folding compact lithium",
            (4, 3.7, 10, 25, 113, 10, True, 2.2),
            "The Tourer is a compact folding scooter that rolls like luggage when folded.",
        ),
    ],
)


# ---- Mobility accessories -------------------------------------------------------------
def _mob_acc(a):
    fit = " Universal straps and clips mean no tools are needed." if a["universal_fit"] else ""
    return (
        f"It is designed for {a['compatible_with']}, weighs {num(a['weight_kg'])} kg "
        f"and is made from {a['material']}.{fit}"
    )


category(
    "mobility-accessories",
    "MA",
    ["accessory_type", "compatible_with", "weight_kg", "material", "universal_fit"],
    None,
    _mob_acc,
    [
        p(
            "ComfortGel Wheelchair Cushion",
            "Stridewell",
            59.99,
            69.99,
            "wheelchair-accessory wheelchair-cushion pressure-relief pairs-with-wheelchair",
            (
                "wheelchair cushion",
                "standard wheelchairs with 16-20 in seats",
                1.4,
                "gel and memory foam",
                True,
            ),
            "A gel and memory foam wheelchair cushion that spreads pressure and keeps you comfortable during long hours "
            "in a wheelchair.",
            [v(-5, seat_width_in=16), v(seat_width_in=18), v(10, seat_width_in=20)],
        ),
        p(
            "AirFlow Cell Wheelchair Cushion",
            "NovaCare Medical",
            279,
            319,
            "wheelchair-accessory wheelchair-cushion pressure-relief air-cell pairs-with-wheelchair",
            ("wheelchair cushion", "wheelchairs with 16-20 in seats", 0.9, "neoprene air cells", True),
            "An adjustable air-cell wheelchair cushion for users at high risk of pressure injuries.",
            [v(seat_width_in=16), v(seat_width_in=18), v(seat_width_in=20)],
        ),
        p(
            "Carryall Wheelchair Backpack",
            HOUSE_BRAND,
            24.99,
            None,
            "wheelchair-accessory wheelchair-bag storage pairs-with-wheelchair pairs-with-transport-chair",
            (
                "wheelchair bag",
                "folding wheelchairs and transport chairs",
                0.4,
                "water-resistant nylon",
                True,
            ),
            "A roomy wheelchair bag that hangs from the push handles, with a zippered main pocket and two mesh side pockets.",
            [v(color="black"), v(color="navy")],
        ),
        p(
            "Wheelchair Armrest Pouch",
            "Stridewell",
            16.99,
            None,
            "wheelchair-accessory wheelchair-bag storage pairs-with-wheelchair",
            ("wheelchair bag", "wheelchair and transport chair armrests", 0.2, "nylon", True),
            "A slim side pouch for a wheelchair armrest that keeps a phone, glasses and keys within reach.",
        ),
        p(
            "SwivelCup Mobility Cup Holder",
            "Harbor Medical",
            14.99,
            None,
            "wheelchair-accessory rollator-accessory walker-accessory cup-holder pairs-with-wheelchair pairs-with-rollator",
            (
                "cup holder",
                "wheelchairs, rollators and walkers with 0.75-1.25 in tubing",
                0.15,
                "ABS plastic",
                True,
            ),
            "A swiveling cup holder that clamps to a wheelchair, rollator or walker frame and keeps drinks level.",
        ),
        p(
            "Cityline Rollator Seat Bag",
            "Stridewell",
            22.99,
            None,
            "rollator-accessory rollator-bag rollator-seat-bag walker-with-seat pairs-with-rollator",
            (
                "rollator seat bag",
                "most four-wheel rollators, including the Cityline and Featherstep",
                0.3,
                "polyester",
                True,
            ),
            "A zippered rollator seat bag that hangs under the seat of your rollator for shopping and personal items.",
            [v(color="black"), v(color="blue")],
        ),
        p(
            "Clip-On Rollator Cane Holder",
            "Carelynx",
            12.99,
            None,
            "rollator-accessory walker-accessory cane-holder pairs-with-rollator",
            ("cane holder", "rollators and walkers with 0.75-1.25 in frames", 0.1, "nylon and plastic", True),
            "Carry your cane on your rollator or walker with this clip-on cane holder.",
        ),
        p(
            "PowerCell 12V 12Ah Scooter Battery Pair",
            "Voltra",
            119,
            139,
            "scooter-accessory scooter-battery replacement-battery pairs-with-scooter",
            (
                "scooter battery",
                "Voltra Scout 3-Wheel and Scout 4-Wheel travel scooters",
                7.6,
                "sealed lead-acid cells",
                False,
            ),
            "A pair of maintenance-free 12V 12Ah replacement scooter batteries for mobility scooters that use a "
            "24V sealed lead-acid pack.",
        ),
        p(
            "Zippi Lithium Scooter Battery Pack",
            "Voltra",
            349,
            None,
            "scooter-accessory scooter-battery lithium spare-battery airline-friendly pairs-with-scooter",
            (
                "scooter battery",
                "Voltra Zippi Fold and Orbit Auto-Fold scooters",
                2.1,
                "lithium-ion cells",
                False,
            ),
            "A spare 10Ah lithium scooter battery that doubles the range of your folding scooter and is approved "
            "for most airlines.",
        ),
        p(
            "All-Weather Scooter Cover",
            "Voltra",
            39.99,
            None,
            "scooter-accessory scooter-cover weatherproof pairs-with-scooter",
            ("scooter cover", "travel and mid-size mobility scooters", 0.8, "waterproof polyester", True),
            "A fitted, waterproof mobility scooter cover that protects the seat and controls from rain, dust and sun.",
        ),
        p(
            "GlideEase Walker Ski Glides",
            "Harbor Medical",
            12.99,
            None,
            "walker-accessory walker-glides pairs-with-walker",
            ("walker glides", "standard walkers with 1 in legs", 0.2, "UHMW polyethylene", True),
            "Snap-on walker ski glides that replace tennis balls and slide smoothly on every floor.",
        ),
        p(
            "GripTip Replacement Cane Tips 2-Pack",
            "Stridewell",
            8.99,
            None,
            "cane-accessory cane-tip replacement pairs-with-cane",
            ("cane tips", "canes with 3/4 in shafts", 0.1, "natural rubber", False),
            "Replacement rubber cane tips with a steel washer insert for long-lasting grip.",
        ),
    ],
)


# ---- Blood pressure monitors ----------------------------------------------------------
def _bp(a):
    where = "wrist" if a["cuff_type"] == "wrist" else "arm"
    if a["memory_readings"] == 0:
        first = (
            f"This manual {a['cuff_type']} blood pressure monitor uses an aneroid gauge and stethoscope "
            f"instead of electronic memory"
        )
    else:
        users = {1: "one user", 2: "two users"}.get(a["user_profiles"], f"{a['user_profiles']} users")
        clauses = [f"stores {a['memory_readings']} readings for {users}"]
        if a["bluetooth"]:
            clauses.append("syncs them to your phone over Bluetooth")
        if a["irregular_heartbeat_detection"]:
            clauses.append("flags irregular heartbeats")
        first = f"This {a['cuff_type']} blood pressure monitor {join_and(clauses)}"
    return f"{first}. Its {a['cuff_size']} cuff fits {where} circumferences of {a['cuff_range_cm']} cm."


category(
    "blood-pressure-monitors",
    "BP",
    [
        "cuff_type",
        "cuff_size",
        "cuff_range_cm",
        "memory_readings",
        "user_profiles",
        "bluetooth",
        "irregular_heartbeat_detection",
        "clinically_validated",
    ],
    "blood pressure monitor",
    _bp,
    [
        p(
            "Series 3 Upper Arm Blood Pressure Monitor",
            "Pulsetrue",
            39.99,
            None,
            "upper-arm bp-monitor home-use",
            ("upper arm", "M", "22-32", 60, 1, False, True, True),
            "A simple, clinically validated upper arm blood pressure monitor with a large easy-to-read display and "
            "one-button operation.",
            [cuff("M")],
        ),
        p(
            "Series 5 Upper Arm Blood Pressure Monitor",
            "Pulsetrue",
            59.99,
            69.99,
            "upper-arm bp-monitor two-user",
            ("upper arm", "M", "22-32", 120, 2, False, True, True),
            "The Series 5 upper arm blood pressure monitor tracks two users and shows morning and evening averages.",
            [cuff("M"), cuff("XL", 10)],
        ),
        p(
            "Series 7 Bluetooth Upper Arm Blood Pressure Monitor",
            "Pulsetrue",
            89.99,
            99.99,
            "upper-arm bp-monitor bluetooth app-connected two-user",
            ("upper arm", "M", "22-32", 200, 2, True, True, True),
            "Our best-selling connected blood pressure monitor sends every reading to the free Pulsetrue app so you can "
            "share trends with your doctor.",
            [cuff("M"), cuff("L", 5), cuff("XL", 15)],
        ),
        p(
            "ProCheck Dual-User Blood Pressure Monitor",
            "Carelynx",
            69.99,
            None,
            "upper-arm bp-monitor two-user",
            ("upper arm", "M", "22-32", 240, 2, False, True, True),
            "The ProCheck is an upper arm blood pressure monitor with separate memories for two people and a "
            "cuff-wrap guide that helps you get accurate readings.",
            [cuff("M"), cuff("L", 5), cuff("XL", 10)],
        ),
        p(
            "VitalCheck Wrist Blood Pressure Monitor",
            "Vitalis Labs",
            34.99,
            44.99,
            "wrist bp-monitor compact",
            ("wrist", "one size", "13.5-21.5", 90, 1, False, True, True),
            "A compact wrist blood pressure monitor with a position sensor that tells you when your wrist is at heart level.",
        ),
        p(
            "SmartSync Wrist Blood Pressure Monitor",
            "Vitalis Labs",
            54.99,
            None,
            "wrist bp-monitor bluetooth app-connected",
            ("wrist", "one size", "13.5-21.5", 100, 2, True, True, True),
            "The SmartSync is a Bluetooth wrist blood pressure monitor that fits in a pocket and logs readings to your phone.",
        ),
        p(
            "TravelMini Wrist Blood Pressure Monitor",
            "Carelynx",
            29.99,
            None,
            "wrist bp-monitor travel budget",
            ("wrist", "one size", "13.5-19.5", 60, 1, False, False, False),
            "A budget travel wrist blood pressure monitor with a hard carrying case and auto power-off.",
        ),
        p(
            "ClinicPro Professional Blood Pressure Monitor",
            "Vitalis Labs",
            329,
            379,
            "upper-arm bp-monitor professional clinic care-home bluetooth",
            ("upper arm", "M", "22-32", 250, 1, True, True, True),
            "Built for clinics and care homes, the ClinicPro professional blood pressure monitor has a rechargeable battery, "
            "a desk stand and interchangeable cuffs for every patient.",
            [cuff("S"), cuff("M"), cuff("L", 10), cuff("XL", 20)],
        ),
        p(
            "Upper Arm Blood Pressure Monitor",
            HOUSE_BRAND,
            29.99,
            None,
            "upper-arm bp-monitor budget wide-range-cuff",
            ("upper arm", "M-L", "22-42", 60, 1, False, True, True),
            "Our own-brand upper arm blood pressure monitor comes with a wide-range cuff that fits most adults.",
        ),
        p(
            "Classic Aneroid Sphygmomanometer Kit",
            "Vitalis Labs",
            44.99,
            None,
            "upper-arm manual aneroid sphygmomanometer stethoscope professional",
            ("upper arm", "M", "22-32", 0, 1, False, False, True),
            "A manual aneroid sphygmomanometer kit with a calibrated gauge, adult cuff, stethoscope and zippered case, "
            "for nurses, students and home caregivers.",
            [cuff("M"), cuff("L", 6)],
        ),
    ],
)


# ---- Pulse oximeters ------------------------------------------------------------------
def _oximeter(a):
    extras = []
    if a["perfusion_index"]:
        extras.append("perfusion index (PI) readings")
    if a["bluetooth"]:
        extras.append("Bluetooth sync to a phone app")
    if a["alarms"]:
        extras.append("audible high/low alarms")
    extra = f" It also offers {join_and(extras)}." if extras else ""
    return (
        f"This {a['oximeter_type']} pulse oximeter shows SpO2 and pulse rate on {an(a['display_type'])} "
        f"{a['display_type']} display, runs for about {a['battery_life_hours']} hours of continuous use and "
        f"weighs {a['weight_g']} g.{extra}"
    )


category(
    "pulse-oximeters",
    "OX",
    [
        "oximeter_type",
        "display_type",
        "perfusion_index",
        "bluetooth",
        "battery_life_hours",
        "weight_g",
        "pediatric_use",
        "alarms",
    ],
    "pulse oximeter",
    _oximeter,
    [
        p(
            "O2 Fingertip Pulse Oximeter",
            "Pulsetrue",
            29.99,
            34.99,
            "fingertip spo2 home-use lanyard-included",
            ("fingertip", "OLED", True, False, 30, 50, False, False),
            "The Pulsetrue O2 is a fingertip pulse oximeter that gives a reliable SpO2 reading in about eight seconds.",
            [v(color="black"), v(color="blue")],
        ),
        p(
            "O2 Plus Bluetooth Pulse Oximeter",
            "Pulsetrue",
            49.99,
            None,
            "fingertip spo2 bluetooth app-connected",
            ("fingertip", "OLED", True, True, 24, 55, False, True),
            "A Bluetooth fingertip pulse oximeter that records SpO2 trends in the Pulsetrue app.",
        ),
        p(
            "LittleSat Pediatric Pulse Oximeter",
            "Vitalis Labs",
            34.99,
            None,
            "fingertip spo2 pediatric kids",
            ("fingertip", "LED", False, False, 20, 40, True, True),
            "A pediatric pulse oximeter with a smaller finger chamber and a friendly design that fits children from age 2.",
        ),
        p(
            "Handheld Pulse Oximeter with Finger Probe",
            "Carelynx",
            189,
            219,
            "handheld spo2 professional clinic rechargeable",
            ("handheld", "LCD", True, False, 16, 210, True, True),
            "A professional handheld pulse oximeter with a reusable finger probe, rechargeable battery and 72-hour "
            "trend memory for clinics and home care.",
        ),
        p(
            "SleepRing Wrist Oximeter",
            "Vitalis Labs",
            149,
            None,
            "wrist-worn spo2 overnight sleep bluetooth",
            ("wrist-worn", "OLED", True, True, 16, 30, False, True),
            "The SleepRing is a wrist-worn pulse oximeter with a soft ring sensor for continuous overnight monitoring "
            "and vibration alerts.",
        ),
        p(
            "Fingertip Pulse Oximeter",
            HOUSE_BRAND,
            19.99,
            None,
            "fingertip spo2 budget",
            ("fingertip", "LED", False, False, 30, 60, False, False),
            "Our own-brand fingertip pulse oximeter is a simple, affordable way to check SpO2 and pulse rate at home.",
        ),
        p(
            "MedGrade Fingertip Pulse Oximeter",
            "NovaCare Medical",
            64.99,
            74.99,
            "fingertip spo2 medical-grade pediatric",
            ("fingertip", "OLED", True, False, 36, 52, True, True),
            "A medical-grade fingertip pulse oximeter with low-perfusion accuracy for cold hands and small fingers.",
        ),
        p(
            "Sport Fingertip Pulse Oximeter",
            "Pulsetrue",
            39.99,
            None,
            "fingertip spo2 sport altitude",
            ("fingertip", "OLED", True, False, 30, 48, False, False),
            "A rugged fingertip pulse oximeter with a silicone bumper for hikers, climbers and athletes.",
            [v(color="red"), v(color="black")],
        ),
    ],
)


# ---- Thermometers ---------------------------------------------------------------------
def _thermometer(a):
    mem = "remembers the last reading" if a["memory_readings"] == 1 else f"stores {a['memory_readings']} readings"
    extras = []
    if a["fever_alarm"]:
        extras.append("a fever alarm")
    if a["backlit_display"]:
        extras.append("a backlit display")
    if a["waterproof"]:
        extras.append("a waterproof body for easy cleaning")
    extra = f", with {join_and(extras)}" if extras else ""
    return (
        f"This {a['thermometer_type']} thermometer reads in {plural(a['reading_time_seconds'], 'second')} with "
        f"±{a['accuracy_c']} °C accuracy and {mem}{extra}."
    )


category(
    "thermometers",
    "TH",
    [
        "thermometer_type",
        "reading_time_seconds",
        "memory_readings",
        "accuracy_c",
        "fever_alarm",
        "waterproof",
        "backlit_display",
    ],
    "thermometer",
    _thermometer,
    [
        p(
            "Flex Digital Stick Thermometer",
            "Thermiq",
            9.99,
            None,
            "digital oral underarm flexible-tip",
            ("digital stick", 10, 1, 0.1, True, True, False),
            "A flexible-tip digital thermometer for oral, underarm or rectal use.",
        ),
        p(
            "EarPro Infrared Ear Thermometer",
            "Thermiq",
            44.99,
            49.99,
            "ear infrared probe-covers",
            ("infrared ear", 1, 20, 0.2, True, False, True),
            "The EarPro is an infrared ear thermometer with a pre-warmed tip and disposable probe covers.",
        ),
        p(
            "NoTouch Forehead Thermometer",
            "Thermiq",
            34.99,
            None,
            "forehead no-contact infrared",
            ("no-contact forehead", 1, 32, 0.2, True, False, True),
            "A no-contact forehead thermometer that takes a temperature from an inch away without waking a sleeping child.",
        ),
        p(
            "TempleScan Temporal Artery Thermometer",
            "Thermiq",
            54.99,
            None,
            "temporal forehead infrared",
            ("temporal artery", 2, 8, 0.2, True, False, True),
            "Swipe across the forehead to take a reading with this temporal artery thermometer used by pediatricians.",
        ),
        p(
            "Duo Ear & Forehead Thermometer",
            "Thermiq",
            49.99,
            None,
            "ear forehead 2-in-1 infrared",
            ("2-in-1 ear and forehead", 1, 30, 0.2, True, False, True),
            "The Duo switches between ear and forehead modes when you remove the probe cap.",
        ),
        p(
            "Digital Thermometer",
            HOUSE_BRAND,
            6.99,
            None,
            "digital oral underarm budget",
            ("digital stick", 30, 1, 0.1, False, True, False),
            "An affordable digital thermometer for everyday use at home.",
        ),
        p(
            "ClinTemp Predictive Thermometer",
            "NovaCare Medical",
            249,
            279,
            "clinical predictive professional care-home",
            ("predictive clinical", 4, 1, 0.1, False, False, True),
            "A predictive clinical thermometer with interchangeable oral and rectal probes, for clinics and care homes.",
        ),
        p(
            "Snuggle Pacifier Thermometer",
            "Thermiq",
            12.99,
            None,
            "baby pacifier infant",
            ("pacifier", 90, 1, 0.1, True, False, False),
            "A soft silicone pacifier thermometer that makes it easy to check a baby's temperature.",
        ),
        p(
            "Cycle Basal Thermometer",
            "Thermiq",
            14.99,
            None,
            "basal fertility high-precision",
            ("basal", 60, 30, 0.05, False, True, True),
            "A high-precision basal thermometer for fertility tracking, readable to two decimal places.",
        ),
    ],
)


# ---- Glucose meters -------------------------------------------------------------------
def _glucose(a):
    kit = []
    if a["strips_included"]:
        kit.append(f"{a['strips_included']} test strips")
    if a["lancing_device_included"]:
        kit.append("a lancing device")
    kit_s = f" The kit includes {join_and(kit)}." if kit else ""
    code = (
        " A code chip must be inserted with each new vial of strips."
        if a["coding_required"]
        else " No coding is required."
    )
    bt = " and syncs over Bluetooth" if a["bluetooth"] else ""
    mem = f"stores {a['memory_readings']} readings" + ("" if a["bluetooth"] else " in memory")
    return (
        f"This blood glucose meter gives results in {a['test_time_seconds']} seconds from a {a['sample_size_ul']} µL "
        f"sample{',' if a['bluetooth'] else ' and'} {mem}{bt}.{code}{kit_s}"
    )


category(
    "glucose-meters",
    "GM",
    [
        "test_time_seconds",
        "sample_size_ul",
        "memory_readings",
        "bluetooth",
        "coding_required",
        "strips_included",
        "lancing_device_included",
    ],
    "glucose meter",
    _glucose,
    [
        p(
            "Core Blood Glucose Meter",
            "GlucoSure",
            14.99,
            None,
            "diabetes glucometer starter-kit",
            (5, 0.5, 500, False, False, 10, True),
            "The GlucoSure Core is a no-fuss glucose meter for daily diabetes testing.",
        ),
        p(
            "Connect Bluetooth Glucose Meter",
            "GlucoSure",
            29.99,
            34.99,
            "diabetes glucometer bluetooth app-connected",
            (5, 0.5, 1000, True, False, 10, True),
            "A Bluetooth glucose meter that logs every reading in the GlucoSure app with meal tags and trend charts.",
        ),
        p(
            "Talk Speaking Glucose Meter",
            "GlucoSure",
            39.99,
            None,
            "diabetes glucometer talking low-vision",
            (6, 0.6, 450, False, False, 10, True),
            "A talking glucose meter that reads results aloud in English or Spanish for people with low vision.",
        ),
        p(
            "Mini Pocket Glucose Meter",
            "GlucoSure",
            19.99,
            None,
            "diabetes glucometer compact travel",
            (4, 0.3, 500, False, False, 10, True),
            "A pocket-sized glucose meter that needs the smallest blood sample in our range.",
        ),
        p(
            "GlucoTrack Monitoring Kit",
            "Vitalis Labs",
            34.99,
            None,
            "diabetes glucometer bluetooth value-kit",
            (5, 0.5, 750, True, False, 50, True),
            "An all-in-one glucose meter kit with 50 test strips, lancets, a log book and a carry case.",
        ),
        p(
            "Blood Glucose Meter Kit",
            HOUSE_BRAND,
            12.99,
            None,
            "diabetes glucometer budget",
            (5, 0.5, 300, False, False, 10, True),
            "Our own-brand blood glucose meter kit has everything needed to start testing.",
        ),
        p(
            "ProLab Multi-Patient Glucose Meter",
            "NovaCare Medical",
            89.99,
            None,
            "diabetes glucometer professional care-home",
            (6, 0.6, 2000, False, True, 0, False),
            "A multi-patient glucose meter for care homes and clinics, with patient ID entry and disinfectant-safe housing.",
        ),
        p(
            "Duo Glucose & Ketone Meter",
            "GlucoSure",
            59.99,
            None,
            "diabetes glucometer ketone bluetooth",
            (5, 0.8, 1000, True, False, 10, True),
            "A 2-in-1 meter that tests blood glucose and blood ketones, useful for type 1 diabetes management.",
        ),
    ],
)


# ---- Monitoring accessories ------------------------------------------------------------
def _mon_acc(a):
    qty = "as a single item" if a["pack_quantity"] == 1 else f"in a pack of {a['pack_quantity']}"
    latex = " It is latex-free." if a["latex_free"] else ""
    return f"It is designed for {a['compatible_with']}, comes {qty} and is made from {a['material']}.{latex}"


category(
    "monitoring-accessories",
    "MN",
    ["accessory_type", "compatible_with", "pack_quantity", "material", "latex_free"],
    None,
    _mon_acc,
    [
        p(
            "Replacement Upper Arm Blood Pressure Cuff",
            "Pulsetrue",
            19.99,
            None,
            "bp-monitor-accessory replacement-cuff blood-pressure-cuff pairs-with-bp-monitor",
            (
                "replacement blood pressure cuff",
                "Pulsetrue Series 3, 5 and 7 upper arm blood pressure monitors",
                1,
                "nylon with a soft cotton lining",
                True,
            ),
            "A replacement cuff for Pulsetrue upper arm blood pressure monitors; choose a larger cuff if your arm is "
            "over 32 cm around.",
            [cuff("M"), cuff("L", 3), cuff("XL", 5)],
        ),
        p(
            "Wide-Range Replacement BP Cuff",
            "Carelynx",
            24.99,
            None,
            "bp-monitor-accessory replacement-cuff blood-pressure-cuff pairs-with-bp-monitor",
            (
                "replacement blood pressure cuff",
                "Carelynx ProCheck and most upper arm monitors with L-shaped connectors",
                1,
                "nylon",
                True,
            ),
            "A wide-range replacement blood pressure cuff with a D-ring for easy one-handed fitting.",
            [cuff("M-L"), cuff("XL", 5)],
        ),
        p(
            "Oximeter Lanyard & Carry Case",
            "Pulsetrue",
            9.99,
            None,
            "pulse-oximeter-accessory oximeter-lanyard carry-case pairs-with-pulse-oximeter",
            (
                "oximeter lanyard and case",
                "Pulsetrue O2 and most fingertip pulse oximeters",
                1,
                "silicone and polyester",
                True,
            ),
            "Keep your pulse oximeter handy with this neck lanyard and zippered protective case.",
        ),
        p(
            "Silicone Oximeter Lanyard 2-Pack",
            HOUSE_BRAND,
            6.99,
            None,
            "pulse-oximeter-accessory oximeter-lanyard pairs-with-pulse-oximeter",
            ("oximeter lanyard", "fingertip pulse oximeters with a lanyard loop", 2, "silicone", True),
            "Two soft silicone lanyards that clip to any fingertip pulse oximeter.",
        ),
        p(
            "Blood Glucose Test Strips",
            "GlucoSure",
            24.99,
            None,
            "glucose-meter-accessory test-strips diabetes pairs-with-glucose-meter",
            (
                "test strip",
                "GlucoSure Core, Connect, Talk, Mini and Duo glucose meters",
                50,
                "laminated reagent film",
                True,
            ),
            "Genuine GlucoSure test strips in individually sealed vials.",
            [v(pack_quantity=50), v(19, pack_quantity=100)],
        ),
        p(
            "Thin Lancets 30G",
            "GlucoSure",
            7.99,
            None,
            "glucose-meter-accessory lancets diabetes pairs-with-glucose-meter",
            ("lancet", "GlucoSure and most standard lancing devices", 100, "surgical steel", True),
            "Ultra-thin 30-gauge lancets for more comfortable blood glucose testing.",
            [v(pack_quantity=100), v(6, pack_quantity=200)],
        ),
        p(
            "EarPro Thermometer Probe Covers",
            "Thermiq",
            8.99,
            None,
            "thermometer-accessory probe-covers pairs-with-thermometer",
            ("probe cover", "Thermiq EarPro and Duo ear thermometers", 40, "polyethylene", True),
            "Disposable probe covers that keep your ear thermometer hygienic between users.",
            [v(pack_quantity=40), v(20, pack_quantity=200)],
        ),
        p(
            "AC Adapter for Blood Pressure Monitors",
            "Vitalis Labs",
            14.99,
            None,
            "bp-monitor-accessory ac-adapter pairs-with-bp-monitor",
            (
                "AC power adapter",
                "Vitalis Labs and Pulsetrue upper arm blood pressure monitors",
                1,
                "UL-listed ABS plastic",
                True,
            ),
            "Run your blood pressure monitor from a wall outlet and save on batteries.",
        ),
        p(
            "Health Monitor Travel Case",
            "Carelynx",
            16.99,
            None,
            "bp-monitor-accessory pulse-oximeter-accessory glucose-meter-accessory travel-case pairs-with-bp-monitor",
            (
                "travel case",
                "upper arm blood pressure monitors, pulse oximeters and glucose meters",
                1,
                "molded EVA foam",
                True,
            ),
            "A padded hard-shell case for carrying a blood pressure monitor and cuff, oximeter or glucose meter.",
        ),
    ],
)


# ---- Shower chairs --------------------------------------------------------------------
def _shower(a):
    feats = []
    if a["has_back"]:
        feats.append("a backrest")
    if a["has_arms"]:
        feats.append("armrests")
    feat = f", with {join_and(feats)}" if feats else ""
    adj = (
        f"adjusts from {num(a['seat_height_min_in'])} to {num(a['seat_height_max_in'])} inches"
        if a["seat_height_max_in"] > a["seat_height_min_in"]
        else f"has {an(a['seat_height_min_in'])} {num(a['seat_height_min_in'])}-inch seat height"
    )
    tool = " Assembles without tools." if a["tool_free_assembly"] else ""
    return (
        f"Made for safer bathing in the shower or tub, this {a['chair_type']} weighs {num(a['weight_kg'])} kg, "
        f"supports up to {a['max_user_weight_kg']} kg and {adj}{feat}.{tool}"
    )


category(
    "shower-chairs",
    "SH",
    [
        "chair_type",
        "weight_kg",
        "max_user_weight_kg",
        "seat_height_min_in",
        "seat_height_max_in",
        "has_back",
        "has_arms",
        "tool_free_assembly",
    ],
    "shower",
    _shower,
    [
        p(
            "Shower Chair with Back",
            "SafeHaven",
            49.99,
            None,
            "shower-chair bath-safety drainage-holes",
            ("shower chair", 2.7, 136, 16, 21, True, False, True),
            "A sturdy shower chair with a contoured seat, drainage holes and non-slip rubber feet.",
        ),
        p(
            "Round Shower Stool",
            "SafeHaven",
            29.99,
            None,
            "shower-stool compact bath-safety",
            ("shower stool", 1.8, 113, 16, 21, False, False, True),
            "A compact round shower stool for small shower stalls.",
        ),
        p(
            "Tub Transfer Bench",
            "SafeHaven",
            89.99,
            99.99,
            "tub-transfer-bench bath-bench bath-safety",
            ("tub transfer bench", 5.4, 159, 17, 22, True, False, True),
            "A tub transfer bench that straddles the bathtub wall so you can sit down outside the tub and slide across.",
        ),
        p(
            "Padded Sliding Transfer Bench",
            "SafeHaven",
            249,
            289,
            "tub-transfer-bench sliding bath-bench bath-safety",
            ("sliding transfer bench", 9.1, 136, 18, 23, True, True, False),
            "A padded sliding transfer bench with a locking seat that glides across the tub for caregiver-assisted bathing.",
        ),
        p(
            "Bariatric Shower Chair",
            "SafeHaven",
            119,
            None,
            "shower-chair bariatric heavy-duty bath-safety",
            ("bariatric shower chair", 5.9, 249, 17, 22, True, True, False),
            "An extra-wide bariatric shower chair with a reinforced frame and 550 lb capacity.",
        ),
        p(
            "Folding Shower Chair",
            "Harbor Medical",
            69.99,
            None,
            "shower-chair folding travel bath-safety",
            ("folding shower chair", 3.2, 113, 16, 20, True, False, True),
            "A folding shower chair that stores flat against the wall when not in use.",
        ),
        p(
            "Shower Chair with Arms",
            HOUSE_BRAND,
            44.99,
            None,
            "shower-chair armrests bath-safety",
            ("shower chair", 3.0, 136, 16, 21, True, True, True),
            "Our own-brand shower chair with padded armrests that help you sit and stand.",
        ),
        p(
            "Rolling Shower Commode Chair",
            "Harbor Medical",
            229,
            259,
            "shower-chair commode rolling care-home",
            ("rolling shower commode chair", 11.3, 136, 21, 21, True, True, False),
            "A rolling shower chair that doubles as a commode, with locking casters and a removable pail.",
        ),
    ],
)


# ---- Grab bars ------------------------------------------------------------------------
def _grab(a):
    ada = (
        " It meets ADA guidelines when installed into studs."
        if a["ada_compliant"]
        else " It is intended as a balance aid, not for full body-weight support."
        if a["max_load_kg"] < 100
        else ""
    )
    return (
        f"This {num(a['length_in'])}-inch grab bar has a {num(a['diameter_in'])}-inch diameter, a {a['finish']} "
        f"finish and a {a['mount_type']} mount rated to {a['max_load_kg']} kg.{ada}"
    )


category(
    "grab-bars",
    "GB",
    ["length_in", "mount_type", "max_load_kg", "finish", "diameter_in", "ada_compliant"],
    "grab bar",
    _grab,
    [
        p(
            "Knurled Stainless Steel Grab Bar",
            "SafeHaven",
            24.99,
            None,
            "grab-bar wall-mount ada bath-safety",
            (16, "wall", 227, "knurled stainless steel", 1.25, True),
            "A knurled stainless steel grab bar with a textured grip that stays secure with wet hands.",
            [v(-3, length_in=12), v(length_in=16), v(2, length_in=18), v(6, length_in=24)],
        ),
        p(
            "Angled Grab Bar",
            "SafeHaven",
            34.99,
            None,
            "grab-bar angled wall-mount ada bath-safety",
            (16, "wall", 227, "brushed stainless steel", 1.25, True),
            "An angled grab bar that supports your wrist naturally as you rise from a tub or toilet.",
        ),
        p(
            "Suction Cup Grab Bar",
            "Harbor Medical",
            19.99,
            None,
            "grab-bar suction no-drill travel",
            (12, "suction", 45, "white plastic", 1.25, False),
            "A no-drill suction cup grab bar with safety indicators that show when the suction is secure.",
        ),
        p(
            "Tub Clamp Safety Rail",
            "SafeHaven",
            49.99,
            None,
            "grab-bar tub-rail bathtub no-drill",
            (16, "tub clamp", 136, "white powder-coat", 1, False),
            "A bathtub grab bar that clamps onto the tub wall for a sturdy handhold when stepping in and out.",
        ),
        p(
            "Floor-to-Ceiling Security Pole",
            "Harbor Medical",
            199,
            229,
            "grab-bar security-pole tension-mount transfer",
            (96, "floor-to-ceiling tension", 136, "white powder-coat", 1.5, False),
            "A tension-mounted security pole that acts as a floor-to-ceiling grab bar beside a bed, chair or toilet.",
        ),
        p(
            "Flip-Up Grab Bar",
            "SafeHaven",
            89.99,
            None,
            "grab-bar flip-up toilet wall-mount ada",
            (30, "wall fold-up", 136, "chrome", 1.25, True),
            "A flip-up grab bar that folds against the wall when not needed, ideal beside a toilet.",
        ),
        p(
            "Chrome Grab Bar",
            HOUSE_BRAND,
            14.99,
            None,
            "grab-bar wall-mount budget",
            (18, "wall", 113, "chrome", 1, False),
            "Our own-brand chrome grab bar for towel-bar spaces and light support.",
            [v(-2, length_in=12), v(length_in=18), v(3, length_in=24)],
        ),
        p(
            "Designer Grab Bar in Brushed Nickel",
            "SafeHaven",
            39.99,
            None,
            "grab-bar designer wall-mount ada",
            (18, "wall", 227, "brushed nickel", 1.25, True),
            "A designer grab bar that matches brushed nickel bathroom fixtures.",
            [v(length_in=18), v(5, length_in=24)],
        ),
    ],
)


# ---- Raised toilet seats --------------------------------------------------------------
def _toilet(a):
    extras = []
    if a["with_arms"]:
        extras.append("padded removable arms")
    if a["lockable"]:
        extras.append("a locking bracket")
    extra = f", and it has {join_and(extras)}" if extras else ""
    return (
        f"This raised toilet seat adds {num(a['raise_height_in'])} inches of height, fits {a['bowl_fit']} bowls, "
        f"weighs {num(a['weight_kg'])} kg and supports up to {a['max_user_weight_kg']} kg{extra}."
    )


category(
    "raised-toilet-seats",
    "TS",
    ["raise_height_in", "with_arms", "lockable", "max_user_weight_kg", "bowl_fit", "weight_kg"],
    "raised toilet seat",
    _toilet,
    [
        p(
            "4-Inch Locking Raised Toilet Seat",
            "SafeHaven",
            29.99,
            None,
            "toilet-riser locking bath-safety",
            (4, False, True, 136, "standard and elongated", 1.6),
            "A molded 4-inch raised toilet seat that locks onto the bowl with a simple turn of the knob.",
        ),
        p(
            "5-Inch Raised Toilet Seat with Arms",
            "SafeHaven",
            49.99,
            59.99,
            "toilet-riser armrests bath-safety",
            (5, True, True, 136, "standard and elongated", 3.2),
            "A 5-inch raised toilet seat with armrests that give leverage when sitting and standing.",
        ),
        p(
            "Hinged Raised Toilet Seat",
            "Harbor Medical",
            69.99,
            None,
            "toilet-riser hinged easy-clean",
            (3.5, False, True, 159, "standard and elongated", 2.5),
            "A hinged raised toilet seat that tilts up for cleaning and shared bathrooms.",
        ),
        p(
            "Bariatric Raised Toilet Seat",
            "SafeHaven",
            89.99,
            None,
            "toilet-riser bariatric heavy-duty armrests",
            (5, True, True, 272, "elongated", 4.3),
            "A heavy-duty bariatric raised toilet seat with a 600 lb capacity.",
        ),
        p(
            "3.5-Inch Raised Toilet Seat",
            HOUSE_BRAND,
            19.99,
            None,
            "toilet-riser budget",
            (3.5, False, False, 113, "standard round", 1.2),
            "Our own-brand raised toilet seat slips onto a standard round toilet bowl.",
        ),
        p(
            "Elongated Toilet Seat Riser with Handles",
            "Harbor Medical",
            59.99,
            None,
            "toilet-riser armrests elongated",
            (3.5, True, True, 136, "elongated", 3.6),
            "A raised toilet seat that replaces your existing seat and adds sturdy side handles.",
        ),
        p(
            "Comfort Padded Raised Toilet Seat",
            "SafeHaven",
            54.99,
            None,
            "toilet-riser padded comfort",
            (4, False, True, 136, "standard and elongated", 2.0),
            "A soft foam padded raised toilet seat for users with sensitive skin or after hip surgery.",
        ),
        p(
            "Slim 2-Inch Toilet Seat Riser",
            "Carelynx",
            39.99,
            None,
            "toilet-riser slim low-profile",
            (2, False, True, 136, "standard round", 1.4),
            "A discreet 2-inch toilet seat riser that sits under your own toilet seat.",
            [v(bowl_fit="round"), v(5, bowl_fit="elongated")],
        ),
    ],
)


# ---- Bedside commodes -----------------------------------------------------------------
def _commode(a):
    fold = " It folds for storage and travel." if a["foldable"] else ""
    adj = (
        f"adjusts from {num(a['seat_height_min_in'])} to {num(a['seat_height_max_in'])} inches"
        if a["seat_height_max_in"] > a["seat_height_min_in"]
        else f"has {an(a['seat_height_min_in'])} {num(a['seat_height_min_in'])}-inch seat height"
    )
    return (
        f"This {a['commode_type']} bedside commode weighs {num(a['weight_kg'])} kg, supports up to "
        f"{a['max_user_weight_kg']} kg, {adj} and has {an(a['bucket_capacity_l'])} {num(a['bucket_capacity_l'])}-liter lidded pail.{fold}"
    )


category(
    "bedside-commodes",
    "CM",
    [
        "commode_type",
        "weight_kg",
        "max_user_weight_kg",
        "seat_height_min_in",
        "seat_height_max_in",
        "bucket_capacity_l",
        "foldable",
    ],
    "commode",
    _commode,
    [
        p(
            "3-in-1 Steel Bedside Commode",
            "SafeHaven",
            59.99,
            None,
            "commode 3-in-1 toilet-safety-frame",
            ("3-in-1", 5.4, 159, 16, 22, 7.5, False),
            "Use it as a bedside commode, a raised toilet seat or a toilet safety frame.",
        ),
        p(
            "Drop-Arm Bedside Commode",
            "Harbor Medical",
            129,
            149,
            "commode drop-arm side-transfer",
            ("drop-arm", 8.2, 159, 17, 23, 7.5, False),
            "Arms that drop down make side transfers from a bed or wheelchair onto this commode much easier.",
        ),
        p(
            "Bariatric Bedside Commode",
            "SafeHaven",
            199,
            None,
            "commode bariatric heavy-duty",
            ("bariatric", 11.8, 295, 18, 24, 11, False),
            "An extra-wide bariatric commode with a 650 lb weight capacity.",
        ),
        p(
            "Folding Bedside Commode",
            "Harbor Medical",
            79.99,
            None,
            "commode folding travel",
            ("folding 3-in-1", 5.9, 159, 16, 22, 7.5, True),
            "A folding commode that stores flat and sets up in seconds.",
        ),
        p(
            "3-in-1 Bedside Commode",
            HOUSE_BRAND,
            49.99,
            None,
            "commode 3-in-1 budget",
            ("3-in-1", 5.2, 136, 16, 22, 7, False),
            "Our own-brand 3-in-1 commode is a practical choice for recovery at home.",
        ),
        p(
            "Padded Drop-Arm Commode",
            "Restwell",
            179,
            199,
            "commode drop-arm padded care-home",
            ("padded drop-arm", 9.5, 159, 18, 23, 7.5, False),
            "A padded drop-arm commode with a soft seat and backrest for longer sitting.",
        ),
        p(
            "Heritage Wooden Commode Chair",
            "Harbor Medical",
            249,
            None,
            "commode furniture-style wooden discreet",
            ("furniture-style", 13.6, 136, 18, 18, 6.5, False),
            "A furniture-style wooden commode chair that looks like an armchair in the bedroom.",
        ),
        p(
            "Compact Aluminum Commode",
            "SafeHaven",
            89.99,
            None,
            "commode lightweight aluminum folding",
            ("lightweight 3-in-1", 3.9, 136, 17, 22, 7, True),
            "A lightweight aluminum commode that is easy to move from room to room.",
        ),
    ],
)


# ---- Hospital beds --------------------------------------------------------------------
def _bed(a):
    extras = []
    if a["trendelenburg"]:
        extras.append("Trendelenburg positioning")
    if a["mattress_included"]:
        extras.append("an included foam mattress")
    extra = f" It features {join_and(extras)}." if extras else ""
    return (
        f"This {a['bed_type']} hospital bed is {num(a['width_in'])} x {num(a['length_in'])} inches, raises from "
        f"{num(a['height_min_in'])} to {num(a['height_max_in'])} inches and supports patients up to "
        f"{a['max_user_weight_kg']} kg ({lb(a['max_user_weight_kg'])} lb).{extra}"
    )


MATTRESS_OPTION = [v(mattress_included=False), v(300, mattress_included=True)]

category(
    "hospital-beds",
    "HB",
    [
        "bed_type",
        "max_user_weight_kg",
        "length_in",
        "width_in",
        "height_min_in",
        "height_max_in",
        "trendelenburg",
        "mattress_included",
    ],
    "hospital bed",
    _bed,
    [
        p(
            "Essential Semi-Electric Hospital Bed",
            "Restwell",
            1199,
            1399,
            "hospital-bed semi-electric home-care",
            ("semi-electric", 159, 80, 36, 15, 23, False, False),
            "Electric head and knee adjustment with a manual crank for height make this an affordable home care bed.",
            MATTRESS_OPTION,
        ),
        p(
            "Comfort Full-Electric Hospital Bed",
            "Restwell",
            1699,
            1899,
            "hospital-bed full-electric home-care",
            ("full-electric", 204, 80, 36, 15, 24, True, False),
            "A full-electric hospital bed with a pendant control for head, knee and height adjustment.",
            MATTRESS_OPTION,
        ),
        p(
            "LowRise Low Hospital Bed",
            "Restwell",
            2199,
            None,
            "hospital-bed low-bed fall-prevention full-electric",
            ("low full-electric", 204, 80, 36, 7.5, 25, True, False),
            "A low hospital bed that lowers close to the floor to reduce the risk of injury from falls.",
        ),
        p(
            "Expanse Bariatric Hospital Bed",
            "Restwell",
            3499,
            3899,
            "hospital-bed bariatric heavy-duty full-electric",
            ("bariatric full-electric", 340, 80, 42, 15, 23, True, False),
            "A bariatric hospital bed with an expandable deck and a 750 lb safe working load.",
            [v(width_in=42), v(400, width_in=48)],
        ),
        p(
            "Classic Manual Crank Hospital Bed",
            "Harbor Medical",
            849,
            None,
            "hospital-bed manual budget",
            ("manual", 159, 80, 36, 15, 23, False, False),
            "A three-crank manual hospital bed that needs no power outlet.",
        ),
        p(
            "Homecare Plus Full-Electric Hospital Bed",
            "Harbor Medical",
            1999,
            2299,
            "hospital-bed full-electric package",
            ("full-electric", 204, 80, 36, 14, 24, False, True),
            "A full-electric hospital bed package that arrives with a pressure-redistribution foam mattress and half rails.",
        ),
        p(
            "Signature Long-Term Care Hospital Bed",
            "Restwell",
            2899,
            None,
            "hospital-bed long-term-care care-home full-electric",
            ("long-term care full-electric", 204, 80, 36, 9.5, 29, True, False),
            "Designed for care homes, this long-term care hospital bed has a wood-look headboard and a wide height range.",
        ),
        p(
            "Hi-Lo Full-Electric Hospital Bed",
            "Harbor Medical",
            1549,
            None,
            "hospital-bed full-electric hi-lo",
            ("hi-lo full-electric", 204, 80, 36, 11, 26, False, False),
            "A hi-lo hospital bed that raises to a comfortable caregiver working height and lowers for safe transfers.",
        ),
    ],
)


# ---- Pressure mattresses --------------------------------------------------------------
def _mattress(a):
    pump = " A quiet pump is included." if a["pump_included"] else ""
    return (
        f"This {a['mattress_type']} pressure relief mattress measures {num(a['length_in'])} x {num(a['width_in'])} x "
        f"{num(a['thickness_in'])} inches, supports up to {a['max_user_weight_kg']} kg and has a "
        f"{a['cover_material']} cover.{pump}"
    )


category(
    "pressure-mattresses",
    "PM",
    [
        "mattress_type",
        "length_in",
        "width_in",
        "thickness_in",
        "max_user_weight_kg",
        "pump_included",
        "cover_material",
    ],
    "mattress",
    _mattress,
    [
        p(
            "Alternating Pressure Mattress Pad with Pump",
            "Restwell",
            89.99,
            None,
            "pressure-mattress alternating-pressure overlay bedsore-prevention",
            ("alternating air overlay", 78, 35, 2.5, 136, True, "vinyl"),
            "An alternating pressure pad that sits on top of an existing mattress and cycles air to relieve pressure points.",
        ),
        p(
            "ViscoCare Memory Foam Pressure Mattress",
            "Restwell",
            329,
            379,
            "pressure-mattress memory-foam hospital-bed",
            ("memory foam", 80, 36, 6, 159, False, "stretch polyurethane"),
            "A pressure redistribution mattress with a memory foam top layer, sized for standard hospital beds.",
        ),
        p(
            "AirCell 8-Inch Alternating Pressure Mattress System",
            "Restwell",
            899,
            999,
            "pressure-mattress alternating-pressure hospital-bed high-risk",
            ("alternating air", 80, 36, 8, 159, True, "nylon-polyurethane"),
            "A replacement alternating pressure mattress for people at high risk of pressure ulcers.",
        ),
        p(
            "Low Air Loss Mattress System",
            "NovaCare Medical",
            1699,
            None,
            "pressure-mattress low-air-loss hospital-bed care-home",
            ("low air loss", 80, 36, 8, 204, True, "vapor-permeable polyurethane"),
            "A low air loss mattress that manages skin moisture and pressure, with a digital pump and CPR quick-deflate.",
        ),
        p(
            "GelComfort Pressure Relief Overlay",
            "Harbor Medical",
            149,
            None,
            "pressure-mattress gel overlay",
            ("gel-infused foam overlay", 76, 34, 3, 136, False, "polyester knit"),
            "A gel-infused foam mattress overlay that adds cooling pressure relief to any bed.",
        ),
        p(
            "Bariatric Foam Pressure Mattress",
            "Restwell",
            649,
            None,
            "pressure-mattress bariatric hospital-bed",
            ("bariatric foam", 80, 42, 7, 340, False, "polyurethane"),
            "A high-density bariatric foam mattress made for wide hospital beds.",
            [v(width_in=42), v(80, width_in=48)],
        ),
        p(
            "Egg-Crate Foam Mattress Topper",
            HOUSE_BRAND,
            39.99,
            None,
            "pressure-mattress egg-crate overlay budget",
            ("convoluted foam overlay", 72, 33, 3, 113, False, "removable polyester"),
            "An egg-crate foam mattress topper that adds comfort and airflow at a budget price.",
        ),
        p(
            "Hybrid Air & Foam Mattress",
            "NovaCare Medical",
            1199,
            1349,
            "pressure-mattress hybrid alternating-pressure",
            ("hybrid air and foam", 80, 36, 7, 204, True, "polyurethane"),
            "A hybrid mattress that works as a static foam mattress and switches to alternating air when needed.",
        ),
    ],
)


# ---- Bed rails ------------------------------------------------------------------------
def _bedrail(a):
    pouch = " A storage pouch keeps remotes and glasses close." if a["storage_pouch"] else ""
    return (
        f"This {a['rail_type']} bed rail is {num(a['length_in'])} inches long, stands "
        f"{num(a['height_above_mattress_in'])} inches above the mattress, is rated to {a['max_load_kg']} kg "
        f"and fits {a['bed_compatibility']}.{pouch}"
    )


category(
    "bed-rails",
    "BR",
    [
        "rail_type",
        "length_in",
        "height_above_mattress_in",
        "max_load_kg",
        "bed_compatibility",
        "storage_pouch",
    ],
    "bed rail",
    _bedrail,
    [
        p(
            "Bed Assist Handle",
            "Harbor Medical",
            49.99,
            None,
            "bed-rail assist-handle fall-prevention",
            ("assist handle", 20, 12, 113, "home beds", True),
            "A compact bed assist handle that slides between the mattress and box spring.",
        ),
        p(
            "Adjustable-Length Bed Rail with Pouch",
            "Restwell",
            69.99,
            None,
            "bed-rail adjustable fall-prevention",
            ("adjustable-length", 25, 14, 113, "home beds", True),
            "A bed rail that extends from 25 to 40 inches to help prevent rolling out of bed.",
        ),
        p(
            "Half-Length Hospital Bed Rails (Pair)",
            "Restwell",
            149,
            None,
            "bed-rail hospital-bed half-length",
            ("half-length", 36, 12, 136, "Restwell and most hospital beds", False),
            "A pair of half-length bed rails that mount to the frame of a hospital bed.",
        ),
        p(
            "Full-Length Hospital Bed Rails (Pair)",
            "Restwell",
            219,
            None,
            "bed-rail hospital-bed full-length",
            ("full-length", 60, 12, 136, "Restwell and most hospital beds", False),
            "Full-length hospital bed rails that drop down for caregiver access.",
        ),
        p(
            "Fold-Down Bed Rail",
            "Carelynx",
            79.99,
            None,
            "bed-rail fold-down fall-prevention",
            ("fold-down", 27, 16, 136, "home beds", True),
            "A fold-down bed rail that swings out of the way for getting in and out of bed.",
        ),
        p(
            "Adjustable-Height Bed Cane",
            "Harbor Medical",
            59.99,
            None,
            "bed-rail bed-cane assist-handle",
            ("bed cane", 18, 14, 113, "home beds", False),
            "A bed cane with a height-adjustable handle for sitting up and standing from bed.",
        ),
        p(
            "Travel Bed Rail",
            HOUSE_BRAND,
            39.99,
            None,
            "bed-rail travel portable",
            ("portable travel", 18, 11, 91, "home and hotel beds", False),
            "A portable bed rail that packs into a bag for trips and visits to family.",
        ),
        p(
            "Swivel Transfer Bed Rail",
            "Restwell",
            129,
            None,
            "bed-rail swivel transfer assist-handle",
            ("swivel transfer", 23, 15, 136, "home beds", True),
            "A swivel bed rail that locks in several positions to support transfers from bed to chair.",
        ),
    ],
)


# ---- Reachers -------------------------------------------------------------------------
def _reacher(a):
    extras = []
    if a["rotating_jaw"]:
        extras.append("a rotating jaw")
    if a["magnetic_tip"]:
        extras.append("a magnetic tip for picking up keys")
    if a["foldable"]:
        extras.append("a fold-in-half shaft")
    extra = f", plus {join_and(extras)}" if extras else ""
    return (
        f"This {num(a['length_in'])}-inch reacher grabber weighs {a['weight_g']} g and has {a['jaw_type']} jaws{extra}."
    )


category(
    "reachers",
    "RC",
    ["length_in", "weight_g", "jaw_type", "foldable", "rotating_jaw", "magnetic_tip"],
    "reacher",
    _reacher,
    [
        p(
            "Classic Reacher Grabber",
            "EaseGrip",
            12.99,
            None,
            "reacher grabber pick-up-tool",
            (32, 170, "rubber-lined", False, False, True),
            "A lightweight reacher that picks up everything from coins to cans without bending.",
            [v(-1, length_in=26), v(length_in=32)],
        ),
        p(
            "Rotating-Jaw Reacher",
            "EaseGrip",
            18.99,
            None,
            "reacher grabber rotating",
            (32, 200, "rubber suction-cup", False, True, True),
            "A reacher grabber whose jaw turns 90 degrees to grab items from shelves or the floor.",
            [v(length_in=32), v(3, length_in=40)],
        ),
        p(
            "Folding Travel Reacher",
            "EaseGrip",
            16.99,
            None,
            "reacher grabber folding travel",
            (32, 180, "rubber-lined", True, False, True),
            "A folding reacher that halves in length for the car or a walker bag.",
        ),
        p(
            "Lightweight Reacher 2-Pack",
            HOUSE_BRAND,
            19.99,
            None,
            "reacher grabber value-pack",
            (32, 150, "serrated plastic", False, False, False),
            "Two lightweight reachers, one for upstairs and one for downstairs.",
        ),
        p(
            "Heavy-Duty Reacher",
            "Harbor Medical",
            24.99,
            None,
            "reacher grabber heavy-duty outdoor",
            (36, 320, "aluminum claw", False, True, True),
            "A heavy-duty reacher with an aluminum claw for yard work and heavier items.",
        ),
        p(
            "LED Lighted Reacher",
            "EaseGrip",
            22.99,
            None,
            "reacher grabber led-light",
            (32, 210, "rubber-lined", True, True, False),
            "A reacher with an LED light at the tip for dark closets and under furniture.",
        ),
        p(
            "Long-Reach 40-Inch Reacher",
            "Carelynx",
            26.99,
            None,
            "reacher grabber extra-long wheelchair-users",
            (40, 260, "rubber-lined", False, True, True),
            "An extra-long reacher that is ideal for wheelchair users reaching high shelves.",
        ),
        p(
            "Kitchen & Pantry Reacher",
            "EaseGrip",
            14.99,
            None,
            "reacher grabber kitchen",
            (24, 130, "wide cup", False, False, False),
            "A short reacher with wide cup jaws for cans, jars and boxes in the kitchen.",
        ),
    ],
)


# ---- Pill organizers ------------------------------------------------------------------
def _pill(a):
    extras = []
    if a["alarm"]:
        extras.append("dose reminder alarms")
    if a["locking"]:
        extras.append("a locking lid")
    if a["easy_open"]:
        extras.append("easy-open lids for arthritic hands")
    extra = f", with {join_and(extras)}" if extras else ""
    per = "one dose" if a["doses_per_day"] == 1 else f"up to {a['doses_per_day']} doses"
    return f"This pill organizer covers {a['days']} days with {per} per day across {a['compartment_count']} compartments{extra}."


category(
    "pill-organizers",
    "PO",
    ["days", "doses_per_day", "compartment_count", "alarm", "locking", "easy_open"],
    "pill organizer",
    _pill,
    [
        p(
            "7-Day AM/PM Pill Organizer",
            "EaseGrip",
            9.99,
            None,
            "pill-organizer weekly am-pm",
            (7, 2, 14, False, False, True),
            "A weekly AM/PM pill organizer with day-of-week labels in large print and braille.",
            [v(color="rainbow"), v(color="blue")],
        ),
        p(
            "7-Day Large Pill Organizer",
            "EaseGrip",
            12.99,
            None,
            "pill-organizer weekly large-compartments",
            (7, 1, 7, False, False, True),
            "Extra-large compartments hold a full day of vitamins and supplements.",
        ),
        p(
            "7-Day 4-Times-a-Day Pill Organizer",
            "EaseGrip",
            14.99,
            None,
            "pill-organizer weekly four-times-daily",
            (7, 4, 28, False, False, True),
            "A pill organizer with removable daily strips for morning, noon, evening and bedtime doses.",
        ),
        p(
            "Monthly Pill Organizer",
            HOUSE_BRAND,
            19.99,
            None,
            "pill-organizer monthly",
            (31, 1, 31, False, False, False),
            "A monthly pill organizer with 31 numbered compartments.",
        ),
        p(
            "SmartDose Automatic Pill Dispenser",
            "Carelynx",
            99.99,
            119.99,
            "pill-organizer pill-dispenser automatic alarm locking",
            (28, 6, 28, True, True, False),
            "An automatic pill dispenser that unlocks only the correct dose at the right time and flashes until it is taken.",
        ),
        p(
            "TimeCap Alarm Pill Organizer",
            "NovaCare Medical",
            29.99,
            None,
            "pill-organizer alarm reminder",
            (7, 4, 28, True, False, True),
            "A weekly pill organizer with a built-in alarm that reminds you up to four times a day.",
        ),
        p(
            "Travel Pill Case",
            "EaseGrip",
            7.99,
            None,
            "pill-organizer travel compact",
            (7, 1, 7, False, False, False),
            "A slim travel pill case that fits in a pocket or purse.",
        ),
        p(
            "LockSafe Weekly Pill Organizer",
            "Harbor Medical",
            24.99,
            None,
            "pill-organizer locking caregiver",
            (7, 4, 28, False, True, False),
            "A locking pill organizer that lets caregivers pre-fill a week of medication safely.",
        ),
    ],
)


# ---- Nebulizers -----------------------------------------------------------------------
def _nebulizer(a):
    extras = []
    if a["rechargeable"]:
        extras.append("a rechargeable battery")
    if a["pediatric_kit"]:
        extras.append("a pediatric mask kit")
    extra = f" It includes {join_and(extras)}." if extras else ""
    return (
        f"This {a['nebulizer_type']} nebulizer delivers {a['nebulization_rate_ml_min']} mL/min with a "
        f"{a['particle_size_um']} µm average particle size, runs at about {a['noise_db']} dB and weighs "
        f"{num(a['weight_kg'])} kg.{extra}"
    )


category(
    "nebulizers",
    "NB",
    [
        "nebulizer_type",
        "weight_kg",
        "nebulization_rate_ml_min",
        "particle_size_um",
        "noise_db",
        "rechargeable",
        "pediatric_kit",
    ],
    "nebulizer",
    _nebulizer,
    [
        p(
            "Compact Compressor Nebulizer",
            "AirNova",
            49.99,
            None,
            "nebulizer compressor home-use",
            ("compressor", 1.3, 0.3, 3.5, 58, False, False),
            "A compact compressor nebulizer with an adult mask, mouthpiece and reusable medication cup.",
        ),
        p(
            "Portable Mesh Nebulizer",
            "AirNova",
            89.99,
            109.99,
            "nebulizer mesh portable silent travel",
            ("portable mesh", 0.1, 0.25, 4.2, 30, True, False),
            "A handheld mesh nebulizer that is nearly silent and works at any angle.",
        ),
        p(
            "Kids Penguin Compressor Nebulizer",
            "AirNova",
            59.99,
            None,
            "nebulizer compressor pediatric kids",
            ("compressor", 1.4, 0.3, 3.2, 57, False, True),
            "A penguin-shaped nebulizer that makes breathing treatments less scary for children.",
        ),
        p(
            "Heavy-Duty Compressor Nebulizer",
            "NovaCare Medical",
            119,
            None,
            "nebulizer compressor heavy-duty",
            ("heavy-duty compressor", 2.3, 0.4, 3.0, 55, False, False),
            "A heavy-duty compressor nebulizer rated for continuous use several times a day.",
        ),
        p(
            "TravelMist Rechargeable Nebulizer",
            "AirNova",
            129,
            None,
            "nebulizer compressor rechargeable travel",
            ("rechargeable compressor", 0.9, 0.28, 3.4, 55, True, False),
            "A rechargeable nebulizer with a car adapter for treatments on the road.",
        ),
        p(
            "Compressor Nebulizer Kit",
            HOUSE_BRAND,
            39.99,
            None,
            "nebulizer compressor budget",
            ("compressor", 1.5, 0.25, 3.9, 60, False, False),
            "Our own-brand nebulizer kit includes tubing, a mask and spare filters.",
        ),
        p(
            "Silent Mesh Nebulizer",
            "Carelynx",
            74.99,
            None,
            "nebulizer mesh silent pediatric",
            ("mesh", 0.12, 0.3, 4.0, 25, True, True),
            "A whisper-quiet mesh nebulizer that can be used while a child sleeps.",
        ),
        p(
            "PulmoPro Clinic Compressor Nebulizer",
            "NovaCare Medical",
            189,
            219,
            "nebulizer compressor professional clinic",
            ("clinical compressor", 2.7, 0.45, 2.8, 52, False, True),
            "A clinic-grade compressor nebulizer with a fast treatment time and a long-life piston pump.",
        ),
    ],
)


# ---- CPAP accessories -----------------------------------------------------------------
category(
    "cpap-accessories",
    "CP",
    ["accessory_type", "compatible_with", "pack_quantity", "material", "latex_free"],
    None,
    _mon_acc,
    [
        p(
            "Heated CPAP Tubing",
            "AirNova",
            39.99,
            None,
            "cpap-accessory cpap-tubing heated",
            (
                "heated CPAP tubing",
                "AirNova and other CPAP machines with a heated-tube port",
                1,
                "flexible thermoplastic",
                True,
            ),
            "Heated CPAP tubing that prevents condensation (rainout) in cool bedrooms.",
        ),
        p(
            "Standard CPAP Tubing",
            "AirNova",
            14.99,
            None,
            "cpap-accessory cpap-tubing cpap-hose",
            (
                "CPAP tubing",
                "CPAP and BiPAP machines with standard 22 mm connectors",
                1,
                "thermoplastic",
                True,
            ),
            "Lightweight, crush-resistant standard CPAP tubing.",
            [v(length_ft=6), v(5, length_ft=10)],
        ),
        p(
            "CPAP Mask Cleaning Wipes",
            "AirNova",
            12.99,
            None,
            "cpap-accessory cleaning wipes",
            ("mask wipes", "all CPAP masks, cushions and tubing ends", 62, "unscented non-woven cloth", True),
            "Alcohol-free CPAP mask wipes that remove facial oils and extend cushion life.",
            [v(pack_quantity=62), v(20, pack_quantity=186)],
        ),
        p(
            "Disposable CPAP Filters",
            "AirNova",
            11.99,
            None,
            "cpap-accessory filters replacement",
            (
                "disposable filter",
                "AirNova S-series CPAP machines",
                30,
                "hypoallergenic polyester fiber",
                True,
            ),
            "Ultra-fine disposable CPAP filters, replaced every two weeks for cleaner air.",
        ),
        p(
            "Nasal Pillow Replacement Cushions",
            "Carelynx",
            24.99,
            None,
            "cpap-accessory nasal-pillows replacement",
            (
                "nasal pillow cushion",
                "Carelynx and AirNova nasal pillow CPAP masks",
                2,
                "medical-grade silicone",
                True,
            ),
            "Soft replacement nasal pillows for a gentle CPAP mask seal.",
            sizes("S", "M", "L"),
        ),
        p(
            "Adjustable CPAP Chinstrap",
            "AirNova",
            16.99,
            None,
            "cpap-accessory chinstrap mouth-breathing",
            ("chinstrap", "all CPAP mask styles", 1, "breathable neoprene-free knit", True),
            "A CPAP chinstrap that keeps the mouth closed to reduce air leaks.",
            sizes("M", "L"),
        ),
        p(
            "Fleece CPAP Hose Cover",
            HOUSE_BRAND,
            12.99,
            None,
            "cpap-accessory hose-cover cpap-hose",
            ("hose cover", "standard 6 ft CPAP tubing", 1, "fleece", True),
            "A soft fleece CPAP hose cover that insulates the tube and reduces noise.",
            [v(color="gray"), v(color="navy")],
        ),
        p(
            "FullSeal Mask Replacement Cushion",
            "AirNova",
            29.99,
            None,
            "cpap-accessory full-face mask-cushion replacement",
            (
                "full face mask cushion",
                "AirNova FullSeal full face CPAP masks",
                1,
                "medical-grade silicone",
                True,
            ),
            "A replacement cushion for the FullSeal full face CPAP mask.",
            sizes("S", "M", "L"),
        ),
    ],
)


# ---- Braces ---------------------------------------------------------------------------
def _brace(a):
    side = {
        "universal": "fits either the left or right side",
        "left or right": "comes in left- and right-hand versions",
    }.get(a["side"], f"fits the {a['side']} side")
    straps = " with adjustable straps" if a["adjustable_straps"] else ""
    latex = " It is latex-free." if a["latex_free"] else ""
    return (
        f"This {a['body_area']} brace gives {a['support_level']} support{straps}, is made from {a['material']} "
        f"and {side}.{latex}"
    )


category(
    "braces",
    "BC",
    ["body_area", "support_level", "material", "latex_free", "adjustable_straps", "side"],
    "brace",
    _brace,
    [
        p(
            "Hinged Knee Brace",
            "OrthoFlex",
            49.99,
            59.99,
            "brace knee-brace hinged ligament-support",
            ("knee", "maximum", "neoprene with aluminum hinges", False, True, "universal"),
            "A hinged knee brace with dual aluminum hinges that stabilize the knee after ligament injuries.",
            sizes("S", "M", "L", "XL"),
        ),
        p(
            "Compression Knee Sleeve",
            "OrthoFlex",
            19.99,
            None,
            "brace knee-sleeve arthritis sports",
            ("knee", "mild", "knitted nylon", True, False, "universal"),
            "A breathable knit knee sleeve brace that warms and supports arthritic or tired knees.",
            sizes("S", "M", "L", "XL"),
        ),
        p(
            "Wrist Splint Brace",
            "OrthoFlex",
            24.99,
            None,
            "brace wrist-brace carpal-tunnel splint",
            ("wrist", "moderate", "breathable mesh with an aluminum stay", True, True, "left or right"),
            "A wrist brace with a removable splint for carpal tunnel syndrome and sprains.",
            [
                v(side="left", size="S-M"),
                v(side="left", size="L-XL"),
                v(side="right", size="S-M"),
                v(side="right", size="L-XL"),
            ],
        ),
        p(
            "Lumbar Back Brace",
            "OrthoFlex",
            39.99,
            49.99,
            "brace back-brace lumbar-support",
            ("lower back", "moderate", "breathable elastic with steel stays", True, True, "universal"),
            "A lumbar back brace with steel stays and dual pull straps for lifting support and back pain relief.",
            sizes("S", "M", "L", "XL"),
        ),
        p(
            "Ankle Stabilizer Brace",
            "OrthoFlex",
            29.99,
            None,
            "brace ankle-brace sprain-support",
            ("ankle", "moderate", "breathable knit", True, True, "universal"),
            "A lace-free ankle brace with figure-8 straps that help prevent sprains.",
            sizes("S", "M", "L"),
        ),
        p(
            "Tennis Elbow Strap",
            "OrthoFlex",
            14.99,
            None,
            "brace elbow-brace tennis-elbow",
            ("elbow", "mild", "neoprene", False, True, "universal"),
            "A one-size elbow strap brace with a gel pad that eases tennis and golfer's elbow.",
        ),
        p(
            "Shoulder Support Brace",
            "Carelynx",
            34.99,
            None,
            "brace shoulder-brace rotator-cuff",
            ("shoulder", "moderate", "neoprene", False, True, "universal"),
            "A shoulder brace that supports the rotator cuff with an adjustable chest strap.",
            sizes("M", "L", "XL"),
        ),
        p(
            "Adjustable Knee Brace",
            HOUSE_BRAND,
            17.99,
            None,
            "brace knee-brace budget one-size",
            ("knee", "mild", "neoprene", False, True, "universal"),
            "Our own-brand open-patella knee brace with wraparound straps in one adjustable size.",
        ),
        p(
            "Post-Op ROM Knee Brace",
            "OrthoFlex",
            129,
            149,
            "brace knee-brace post-surgery hinged",
            ("knee", "maximum", "an aluminum frame and foam liners", True, True, "universal"),
            "A post-operative range-of-motion knee brace with dial hinges that limit flexion and extension after surgery.",
        ),
        p(
            "Plantar Fasciitis Night Splint",
            "OrthoFlex",
            34.99,
            None,
            "brace foot-brace night-splint plantar-fasciitis",
            ("foot and ankle", "moderate", "padded foam with a rigid shell", True, True, "universal"),
            "A night splint brace that gently stretches the plantar fascia while you sleep.",
            sizes("S-M", "L-XL"),
        ),
    ],
)


# ---- Compression ----------------------------------------------------------------------
def _compression(a):
    latex = ", latex-free" if a["latex_free"] else ""
    return (
        f"These {a['garment_type']} provide {a['compression_mmhg']} mmHg graduated compression with "
        f"{an(a['toe_style'])} {a['toe_style']} design in {a['material']}{latex}."
    )


category(
    "compression",
    "CS",
    ["garment_type", "compression_mmhg", "toe_style", "material", "latex_free"],
    "compression",
    _compression,
    [
        p(
            "Everyday 15-20 mmHg Knee-High Compression Stockings",
            "CompressaCare",
            24.99,
            None,
            "compression-stockings knee-high support-stockings travel",
            ("knee-high stockings", "15-20", "closed-toe", "soft nylon-spandex", True),
            "Everyday knee-high compression stockings that reduce tired, achy legs and swelling on long flights.",
            [v(size="S"), v(size="M"), v(size="L"), v(stock=0, size="XL")],
        ),
        p(
            "Medical 20-30 mmHg Knee-High Compression Stockings",
            "CompressaCare",
            39.99,
            44.99,
            "compression-stockings knee-high medical varicose-veins",
            ("knee-high stockings", "20-30", "closed-toe", "nylon-spandex", True),
            "Medical-grade knee-high compression stockings for varicose veins and mild edema.",
            sizes("S", "M", "L", "XL"),
        ),
        p(
            "Open-Toe 20-30 mmHg Thigh-High Compression Stockings",
            "CompressaCare",
            49.99,
            None,
            "compression-stockings thigh-high open-toe silicone-band",
            ("thigh-high stockings", "20-30", "open-toe", "nylon-spandex with a silicone top band", True),
            "Open-toe thigh-high compression stockings with a silicone band that stays up without garters.",
            sizes("S", "M", "L", "XL"),
        ),
        p(
            "Firm 30-40 mmHg Thigh-High Compression Stockings",
            "CompressaCare",
            64.99,
            None,
            "compression-stockings thigh-high firm prescription-strength",
            ("thigh-high stockings", "30-40", "closed-toe", "durable nylon-spandex", True),
            "Firm compression stockings for post-thrombotic syndrome and lymphedema, as directed by a clinician.",
            sizes("S", "M", "L", "XL"),
        ),
        p(
            "Sheer 15-20 mmHg Compression Pantyhose",
            "CompressaCare",
            34.99,
            None,
            "compression pantyhose sheer",
            ("pantyhose", "15-20", "closed-toe", "sheer nylon", True),
            "Sheer compression pantyhose that look like ordinary hosiery.",
            sizes("S", "M", "L"),
        ),
        p(
            "Active 15-20 mmHg Compression Socks",
            "CompressaCare",
            19.99,
            None,
            "compression-socks sports moisture-wicking",
            ("compression socks", "15-20", "closed-toe", "moisture-wicking nylon", True),
            "Cushioned compression socks for walking, nursing shifts and sports recovery.",
            sizes("S", "M", "L", "XL"),
        ),
        p(
            "Cotton 8-15 mmHg Compression Socks 3-Pack",
            HOUSE_BRAND,
            24.99,
            None,
            "compression-socks cotton mild value-pack",
            ("compression socks", "8-15", "closed-toe", "cotton blend", False),
            "Three pairs of mild cotton compression socks for everyday comfort.",
            sizes("M", "L"),
        ),
        p(
            "Calf Compression Sleeves 20-30 mmHg",
            "CompressaCare",
            21.99,
            None,
            "compression calf-sleeves footless sports",
            ("calf sleeves", "20-30", "footless", "nylon-spandex", True),
            "Footless calf compression sleeves for shin splints and calf cramps.",
            sizes("S", "M", "L", "XL"),
        ),
        p(
            "Diabetic 8-15 mmHg Compression Socks",
            "CompressaCare",
            16.99,
            None,
            "compression-socks diabetic seamless",
            ("diabetic socks", "8-15", "seamless closed-toe", "bamboo rayon", True),
            "Seamless, non-binding diabetic socks with mild compression to support circulation.",
            sizes("M", "L", "XL"),
        ),
    ],
)


# ---- TENS units -----------------------------------------------------------------------
def _tens(a):
    power = (
        f"runs about {a['battery_life_hours']} hours per charge"
        if a["rechargeable"]
        else f"runs about {a['battery_life_hours']} hours on a set of batteries"
    )
    ems = " EMS muscle-stimulation modes are included." if a["ems_modes"] else ""
    return (
        f"This TENS unit offers {a['channels']} channel{'s' if a['channels'] > 1 else ''}, {a['program_count']} "
        f"preset programs and {a['intensity_levels']} intensity levels, {power} and comes with "
        f"{a['pads_included']} electrode pads.{ems}"
    )


category(
    "tens-units",
    "TN",
    [
        "channels",
        "program_count",
        "intensity_levels",
        "rechargeable",
        "battery_life_hours",
        "ems_modes",
        "pads_included",
    ],
    "TENS unit",
    _tens,
    [
        p(
            "Relief 2 Dual-Channel TENS Unit",
            "Kinetiq",
            39.99,
            49.99,
            "tens pain-relief rechargeable dual-channel",
            (2, 24, 20, True, 20, False, 8),
            "A dual-channel TENS unit for drug-free relief of back, neck, knee and shoulder pain.",
        ),
        p(
            "Combo TENS & EMS Unit",
            "Kinetiq",
            59.99,
            None,
            "tens ems pain-relief muscle-stimulator",
            (2, 36, 25, True, 20, True, 8),
            "A combination TENS unit and EMS muscle stimulator for pain relief and muscle recovery.",
        ),
        p(
            "Mini Wireless TENS Unit",
            "Kinetiq",
            79.99,
            None,
            "tens wireless pain-relief app-connected",
            (1, 12, 15, True, 8, False, 4),
            "A wireless TENS unit that snaps onto its pad and is controlled from a phone app, with no wires to tangle.",
        ),
        p(
            "Pro 4-Channel TENS Unit",
            "Kinetiq",
            119,
            139,
            "tens ems four-channel pain-relief",
            (4, 40, 30, True, 16, True, 12),
            "A 4-channel TENS unit that treats two areas of the body at once with independent controls.",
        ),
        p(
            "TENS Unit Starter Kit",
            HOUSE_BRAND,
            29.99,
            None,
            "tens pain-relief budget",
            (2, 16, 20, False, 30, False, 4),
            "Our own-brand TENS unit starter kit with lead wires, pads and a belt clip.",
        ),
        p(
            "DuoStim Clinical TENS Unit",
            "NovaCare Medical",
            149,
            None,
            "tens clinical professional pain-relief",
            (2, 12, 40, False, 40, False, 4),
            "A clinical TENS unit with precise pulse-width and rate controls, used by physical therapists.",
        ),
        p(
            "Back Relief Wireless TENS Belt",
            "Kinetiq",
            99.99,
            None,
            "tens wireless back-pain belt",
            (1, 10, 20, True, 10, False, 2),
            "A wireless TENS belt with built-in electrodes that wraps around the lower back.",
        ),
        p(
            "Maternity TENS Unit",
            "Kinetiq",
            89.99,
            None,
            "tens maternity labor pain-relief",
            (2, 6, 15, False, 30, False, 4),
            "A maternity TENS unit with a boost button designed for drug-free pain relief during labor.",
        ),
    ],
)


# ---- Patient lifts --------------------------------------------------------------------
def _lift(a):
    extras = []
    if a["base_adjustable"]:
        extras.append("an adjustable-width base that opens around chairs")
    if a["sling_included"]:
        extras.append("a full-body sling")
    extra = f" It includes {join_and(extras)}." if extras else ""
    return (
        f"This {a['lift_type']} patient lift raises patients up to {a['max_user_weight_kg']} kg "
        f"({lb(a['max_user_weight_kg'])} lb) to a maximum height of {a['max_lift_height_in']} inches, weighs "
        f"{num(a['weight_kg'])} kg and is powered by {a['power_source']}.{extra}"
    )


category(
    "patient-lifts",
    "PL",
    [
        "lift_type",
        "max_user_weight_kg",
        "weight_kg",
        "power_source",
        "max_lift_height_in",
        "base_adjustable",
        "sling_included",
    ],
    "patient lift",
    _lift,
    [
        p(
            "Manual Hydraulic Patient Lift",
            "Hoistline",
            899,
            999,
            "patient-lift hydraulic hoyer-lift caregiver",
            ("manual hydraulic floor", 204, 33, "a hand-pump hydraulic cylinder", 70, True, False),
            "A manual hydraulic patient lift that lets one caregiver move a person between bed, chair and commode.",
        ),
        p(
            "Electric Patient Lift",
            "Hoistline",
            1499,
            1699,
            "patient-lift electric hoyer-lift caregiver",
            ("electric floor", 204, 36, "a rechargeable battery", 72, True, True),
            "An electric patient lift with a hand control, emergency lowering and a removable battery pack.",
        ),
        p(
            "Bariatric Electric Patient Lift",
            "Hoistline",
            2799,
            None,
            "patient-lift bariatric electric hoyer-lift",
            ("bariatric electric", 317, 52, "a rechargeable battery", 75, True, True),
            "A bariatric patient lift with a wide spreader bar and a 700 lb capacity.",
        ),
        p(
            "StandAssist Sit-to-Stand Lift",
            "Hoistline",
            2299,
            2499,
            "patient-lift sit-to-stand electric rehab",
            ("sit-to-stand", 181, 41, "a rechargeable battery", 66, True, True),
            "An electric sit-to-stand patient lift for people who can bear some weight, encouraging mobility during transfers.",
        ),
        p(
            "Compact Folding Patient Lift",
            "Carelynx",
            1299,
            None,
            "patient-lift folding portable electric",
            ("portable folding", 159, 25, "a rechargeable battery", 68, False, False),
            "A compact folding patient lift that fits in a car trunk for use at family homes.",
        ),
        p(
            "Power-Base Patient Lift",
            "NovaCare Medical",
            1899,
            None,
            "patient-lift electric power-base care-home",
            ("electric power-base", 204, 42, "a rechargeable battery", 74, True, True),
            "A patient lift with a powered base-width adjustment for care homes with tight rooms.",
        ),
        p(
            "Hydraulic Sit-to-Stand Lift",
            "Hoistline",
            1599,
            None,
            "patient-lift sit-to-stand hydraulic",
            ("hydraulic sit-to-stand", 159, 35, "a hand-pump hydraulic cylinder", 62, True, True),
            "A hydraulic sit-to-stand patient lift that needs no charging.",
        ),
        p(
            "Economy Hydraulic Patient Lift",
            "Carelynx",
            749,
            None,
            "patient-lift hydraulic hoyer-lift budget",
            ("manual hydraulic floor", 181, 30, "a hand-pump hydraulic cylinder", 68, True, False),
            "An economical hydraulic patient lift for home caregivers.",
        ),
    ],
)


# ---- First aid ------------------------------------------------------------------------
def _firstaid(a):
    ansi = ", meets ANSI/ISEA Z308.1 Class A" if a["ansi_compliant"] else ""
    return (
        f"This {a['piece_count']}-piece {a['kit_type']} first aid kit comes in a {a['case_material']} case{ansi} "
        f"and is sized for {a['setting']}."
    )


category(
    "first-aid",
    "FA",
    ["kit_type", "piece_count", "case_material", "ansi_compliant", "setting"],
    "first aid kit",
    _firstaid,
    [
        p(
            "Home Essentials First Aid Kit",
            "FirstLine",
            24.99,
            None,
            "first-aid home family",
            ("home", 160, "soft nylon", False, "households"),
            "A well-stocked first aid kit with bandages, gauze, antiseptic wipes and a first aid guide.",
        ),
        p(
            "Travel Mini First Aid Kit",
            "FirstLine",
            12.99,
            None,
            "first-aid travel compact",
            ("travel", 60, "soft nylon", False, "purses, backpacks and glove boxes"),
            "A pocket-size first aid kit for day trips and travel.",
        ),
        p(
            "Workplace ANSI Class A First Aid Kit",
            "FirstLine",
            49.99,
            None,
            "first-aid workplace ansi osha",
            ("workplace", 141, "hard plastic", True, "workplaces of up to 25 people"),
            "A workplace first aid kit that can be wall-mounted and restocked with refill packs.",
        ),
        p(
            "Care Home First Aid Station",
            "FirstLine",
            119,
            139,
            "first-aid care-home clinic wall-mount",
            ("care facility", 326, "wall-mounted metal", True, "care homes and clinics"),
            "A wall-mounted first aid station with labeled compartments for care homes and clinics.",
        ),
        p(
            "Auto Roadside First Aid Kit",
            "FirstLine",
            29.99,
            None,
            "first-aid vehicle roadside",
            ("vehicle", 110, "hard plastic", False, "cars, trucks and RVs"),
            "A first aid kit for the car with an emergency blanket, flashlight and reflective vest.",
        ),
        p(
            "Trauma & Bleeding Control Kit",
            "FirstLine",
            69.99,
            None,
            "first-aid trauma bleeding-control tourniquet",
            ("trauma", 30, "soft nylon", False, "homes, schools and vehicles"),
            "A bleeding control first aid kit with a tourniquet, pressure bandage and hemostatic gauze.",
        ),
        p(
            "Family First Aid Kit",
            HOUSE_BRAND,
            19.99,
            None,
            "first-aid home family budget",
            ("home", 120, "soft polyester", False, "households"),
            "Our own-brand first aid kit covers everyday cuts, scrapes and burns.",
        ),
        p(
            "Sports First Aid Kit",
            "FirstLine",
            34.99,
            None,
            "first-aid sports team",
            ("sports", 100, "soft nylon", False, "coaches and teams"),
            "A sports first aid kit with instant cold packs, athletic tape and elastic bandages.",
        ),
    ],
)


# --------------------------------------------------------------------------------------
# Build
# --------------------------------------------------------------------------------------
def slugify(text: str) -> str:
    text = text.lower().replace("&", " and ")
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def money(x: float) -> str:
    return f"{round(x + 1e-9, 2):.2f}"


def variant_title(attrs: dict) -> str:
    if not attrs:
        return "Standard"
    parts = []
    for k, val in attrs.items():
        if k == "cuff_range_cm":
            continue
        if k == "cuff_size":
            parts.append(f"{val} cuff ({attrs['cuff_range_cm']} cm)" if "cuff_range_cm" in attrs else f"{val} cuff")
        elif k == "seat_width_in":
            parts.append(f'{num(val)}" seat')
        elif k == "length_in":
            parts.append(f'{num(val)}" length')
        elif k == "width_in":
            parts.append(f'{num(val)}" wide')
        elif k == "length_ft":
            parts.append(f"{num(val)} ft")
        elif k == "pack_quantity":
            parts.append(f"{val} count")
        elif k == "size":
            parts.append(f"Size {val}")
        elif k == "base_size":
            parts.append(f"{val.title()} base")
        elif k == "bowl_fit":
            parts.append(f"{val.title()} bowl")
        elif k == "mattress_included":
            parts.append("With foam mattress" if val else "Bed only")
        else:
            parts.append(str(val).title() if isinstance(val, str) else num(val))
    return " / ".join(parts)


SIZE_LABELS = {"S", "M", "L", "XL", "M-L", "S-M", "L-XL"}


def sku_suffix(attrs: dict) -> str:
    parts = []
    for k, val in attrs.items():
        if k == "cuff_range_cm":
            continue
        if k == "side":
            parts.append({"left": "LH", "right": "RH"}.get(val, val[:3].upper()))
        elif isinstance(val, bool):
            parts.append("MAT" if val else "BED")
        elif isinstance(val, (int, float)):
            parts.append(num(val).replace(".", ""))
        elif val in SIZE_LABELS:
            parts.append(val.replace("-", ""))
        else:
            parts.append(re.sub(r"[^A-Za-z0-9]", "", val).upper()[:3])
    return "-".join(parts)


def model_code(model: str, brand: str, used: set) -> str:
    """Short SKU code for a model, unique within its category ("AeroLite Folding..." -> "AEROLI")."""
    tokens = [t.upper() for t in re.findall(r"[A-Za-z0-9]+", model)]
    code, consumed = tokens[0][:6], 1
    if len(tokens) > 2 and len(tokens[1]) == 1 and tokens[1].isdigit() and not tokens[2].isdigit():
        code, consumed = code + tokens[1], 2  # "Series 5" -> SERIES5
    elif len(tokens) > 1 and len(tokens[0]) <= 3:
        code, consumed = code + tokens[1][:3], 2  # "O2 Fingertip" -> O2FIN
    if brand == HOUSE_BRAND:
        code = "E" + code[:5]
    for tok in tokens[consumed:]:  # on a clash, add initials of later words
        if code not in used:
            break
        code += tok[0]
    candidate, n = code, 2
    while candidate in used:
        candidate = f"{code}{n}"
        n += 1
    used.add(candidate)
    return candidate


def stock_for(rng: random.Random, price: float, attrs: dict) -> int:
    is_xl = any(val == "XL" for val in attrs.values())
    if rng.random() < 0.10 and not is_xl:
        return 0
    if price >= 1000:
        return rng.randint(1, 9)
    if price >= 200:
        return rng.randint(2, 25)
    return rng.randint(5, 120)


def build() -> dict:
    rng = random.Random(42)
    categories = [{"slug": s, "name": n, "parent": par, "description": d} for s, n, par, d in CATEGORIES]
    synonyms = [{"term": t, "expansion": e} for t, e in SYNONYMS]
    products = []
    for slug, spec in SPECS.items():
        used_codes: set = set()
        for prod in spec["products"]:
            keys, values = spec["keys"], prod["attrs"]
            assert len(keys) == len(values), (prod["model"], len(keys), len(values))
            attrs = dict(zip(keys, values, strict=True))
            name = f"{prod['brand']} {prod['model']}"
            handle = slugify(prod["model"])
            if prod["brand"] == HOUSE_BRAND:
                handle = "brightwell-" + handle
            code = model_code(prod["model"], prod["brand"], used_codes)
            description = f"{prod['blurb']} {spec['spec'](attrs)}"
            variants = []
            for var in prod["variants"]:
                price = prod["price"] + var["delta"]
                compare = prod["compare"] + var["delta"] if prod["compare"] is not None else None
                suffix = sku_suffix(var["attrs"])
                sku = f"BW-{spec['code']}-{code}" + (f"-{suffix}" if suffix else "")
                stock = var["stock"] if var["stock"] is not None else stock_for(rng, price, var["attrs"])
                variants.append(
                    {
                        "sku": sku,
                        "title": variant_title(var["attrs"]),
                        "price": money(price),
                        "compare_at_price": money(compare) if compare is not None else None,
                        "currency": CURRENCY,
                        "stock": stock,
                        "attributes": dict(var["attrs"]),
                    }
                )
            n_images = min(3, len(variants) + 1)
            products.append(
                {
                    "handle": handle,
                    "name": name,
                    "brand": prod["brand"],
                    "category": slug,
                    "description": description,
                    "url": f"{BASE_URL}/products/{handle}",
                    "images": [f"{BASE_URL}/images/{handle}-{i}.jpg" for i in range(1, n_images + 1)],
                    "tags": prod["tags"],
                    "attributes": attrs,
                    "variants": variants,
                }
            )
    return {"categories": categories, "synonyms": synonyms, "products": products}


def check(catalog: dict) -> list[str]:
    """Validate the catalog; return a list of problems (empty when all is well)."""
    problems = []
    cats = {c["slug"]: c for c in catalog["categories"]}
    if len(cats) != len(catalog["categories"]):
        problems.append("duplicate category slugs")
    for c in catalog["categories"]:
        if c["parent"] is not None and (c["parent"] not in cats or cats[c["parent"]]["parent"] is not None):
            problems.append(f"category {c['slug']}: bad parent {c['parent']}")
    handles, skus = set(), set()
    by_cat: dict[str, list] = {}
    for prod in catalog["products"]:
        h = prod["handle"]
        if h in handles:
            problems.append(f"duplicate handle {h}")
        handles.add(h)
        if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", h):
            problems.append(f"handle not url-safe: {h}")
        if prod["category"] not in cats:
            problems.append(f"{h}: unknown category {prod['category']}")
        by_cat.setdefault(prod["category"], []).append(prod)
        noun = SPECS[prod["category"]]["noun"]
        if noun and noun.lower() not in prod["description"].lower():
            problems.append(f"{h}: description lacks '{noun}'")
        if not 1 <= len(prod["variants"]) <= 4:
            problems.append(f"{h}: {len(prod['variants'])} variants")
        for key, val in prod["attributes"].items():
            if not re.fullmatch(r"[a-z][a-z0-9_]*", key) or not isinstance(val, (int, float, str, bool)):
                problems.append(f"{h}: bad attribute {key}={val!r}")
        for var in prod["variants"]:
            s = var["sku"]
            if s in skus:
                problems.append(f"duplicate SKU {s}")
            skus.add(s)
            if not re.fullmatch(r"BW-[A-Z0-9-]+", s):
                problems.append(f"bad SKU {s}")
            if not re.fullmatch(r"\d+\.\d\d", var["price"]):
                problems.append(f"{s}: bad price {var['price']}")
            cap = var["compare_at_price"]
            if cap is not None and float(cap) <= float(var["price"]):
                problems.append(f"{s}: compare_at_price not higher than price")
            if not isinstance(var["stock"], int) or var["stock"] < 0:
                problems.append(f"{s}: bad stock")
    for slug, prods in by_cat.items():
        if len(prods) < 8:
            problems.append(f"category {slug} has only {len(prods)} products")
        keysets = {tuple(pr["attributes"]) for pr in prods}
        if len(keysets) != 1:
            problems.append(f"category {slug}: attribute keys differ between products")
    return problems


def main() -> int:
    catalog = build()
    OUT_PATH.write_text(json.dumps(catalog, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")

    products = catalog["products"]
    variants = [var for prod in products for var in prod["variants"]]
    zero = [var for var in variants if var["stock"] == 0]
    brands = sorted({prod["brand"] for prod in products})
    leaves = sorted({prod["category"] for prod in products})
    print(f"wrote {OUT_PATH}")
    print(
        f"categories: {len(catalog['categories'])} "
        f"({sum(c['parent'] is None for c in catalog['categories'])} top-level, {len(leaves)} with products)"
    )
    print(f"synonyms:   {len(catalog['synonyms'])}")
    print(f"products:   {len(products)}")
    print(f"variants:   {len(variants)} ({len(zero)} out of stock, {100 * len(zero) / len(variants):.1f}%)")
    print(f"brands:     {len(brands)}: {', '.join(brands)}")
    for slug in leaves:
        print(f"  {slug:24s} {sum(prod['category'] == slug for prod in products)}")
    problems = check(catalog)
    for problem in problems:
        print("PROBLEM:", problem)
    print("all checks passed" if not problems else f"{len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
