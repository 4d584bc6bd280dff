"""A labelled table of realistic lines for the PII guard: what it must flag and what not.

Each line is what a member of a city hall's staff might paste into a prompt or a sample
task: a resident's enquiry, an application form, minutes, a notice. `kind` is the kind of
personal data the line holds (the first one, if several), or None for a benign line.

Two decisions are written into the table: a public office's phone number or street
address is flagged like anyone else's (the guard cannot know whose it is; an entrant
replaces it with a placeholder, an organiser confirms it is public), and an area without
a house number (港区六本木6丁目) is not personal data.

The benign half holds the lines a naive rule would flag: section numbers in the shape of
an address (資料1-2-3), dates and document numbers with hyphens, a postal code followed by
a particle, spaced full stops in English, form placeholders (〇丁目〇番〇号).
"""

from dataclasses import dataclass

from contest.pii import ADDRESS, CREDIT_CARD, EMAIL, MY_NUMBER, PHONE

ZWSP = "\u200b"  # zero-width space
ZWJ = "\u200d"  # zero-width joiner
WJ = "\u2060"  # word joiner
BOM = "\ufeff"  # zero-width no-break space
IDEOGRAPHIC_SPACE = "\u3000"


@dataclass(frozen=True)
class Case:
    text: str
    kind: str | None
    note: str = ""

    @property
    def personal(self) -> bool:
        return self.kind is not None


PERSONAL = [
    # --- e-mail ---------------------------------------------------------------------------
    Case("住民からの問い合わせ。返信先：taro.yamada@example.ne.jp", EMAIL),
    Case("申請者のメール：hanako_suzuki@gmail.com（日中連絡可）", EMAIL),
    Case("返信先は taro . yamada @ city . example . jp です", EMAIL, "spaces around @ and ."),
    Case("メールアドレス taro@ city.example.jp へ送付済み", EMAIL, "space after @"),
    Case("メールは yamada ＠ example.com までお願いします", EMAIL, "full-width ＠, spaced"),
    Case("連絡先：ｓｕｚｕｋｉ＠ｅｘａｍｐｌｅ．ｃｏ．ｊｐ", EMAIL, "full-width"),
    Case("返信はtaro(at)example.co.jpへ（迷惑メール対策のため表記を変えています）", EMAIL),
    Case("議事録：委員の連絡先 k-tanaka[at]example[dot]org を共有", EMAIL, "[at] and [dot]"),
    Case(f"連絡先：taro{ZWSP}@example.jp", EMAIL, "zero-width space"),
    Case(f"メール：sato{WJ}.kenji@{BOM}mail.example.com", EMAIL, "word joiner, BOM"),
    Case("CC: sato.k+city@example.com、件名「ごみ収集について」", EMAIL),
    Case("苦情の送信元は ｙａｍａｄａ．ｔａｒｏ＠ｍａｉｌ．ｅｘａｍｐｌｅ．ｊｐ でした", EMAIL),
    # --- phone ----------------------------------------------------------------------------
    Case("住民からの問い合わせ：山田様（090-1234-5678）より、ごみの収集日について", PHONE),
    Case("折り返し先 090 - 1234 - 5678（携帯）", PHONE, "spaced hyphens"),
    Case("電話番号は090.1234.5678です", PHONE, "full stops"),
    Case("TEL 03/1234/5678", PHONE, "slashes"),
    Case("連絡先 090〜1234〜5678", PHONE, "wave dashes"),
    Case("携帯：０９０ー１２３４ー５６７８", PHONE, "full-width, long-vowel mark"),
    Case("自宅 045−671−2345（夜間のみ）", PHONE, "minus sign"),
    Case("日中の連絡先　０８０―１２３４―５６７８", PHONE, "horizontal bar"),
    Case("電話は 090 ‐ 1234 ‐ 5678 です", PHONE, "hyphen U+2010, spaced"),
    Case("緊急連絡先 070–1234–5678（姉）", PHONE, "en dash"),
    Case(f"電話：090{ZWSP}1234{ZWSP}5678", PHONE, "zero-width spaces"),
    Case(f"電話：090{ZWJ}-1234-{ZWJ}5678", PHONE, "zero-width joiners"),
    Case(f"電話 090{IDEOGRAPHIC_SPACE}1234{IDEOGRAPHIC_SPACE}5678", PHONE, "U+3000"),
    Case("緊急連絡先 +81 90-1234-5678（海外在住の家族）", PHONE),
    Case("申請書の電話欄：０４５（６７１）２３４５", PHONE),
    Case("固定電話 03-12345678 に折り返し", PHONE, "two groups"),
    Case("FAX 0466-12-3456 にて送付されたもの", PHONE),
    Case("お問い合わせ：横須賀市役所 市民課（046-822-4000）", PHONE, "public office: flagged"),
    # --- My Number ------------------------------------------------------------------------
    Case("個人番号：1234 5678 9018 の方から申請あり", MY_NUMBER),
    Case("マイナンバー 1234-5678-9018 を控えてください", MY_NUMBER),
    Case("マイナンバー１２３４．５６７８．９０１８", MY_NUMBER, "full-width full stops"),
    Case("個人番号 1234/5678/9018 を転記", MY_NUMBER, "slashes"),
    Case("個人番号 1234 - 5678 - 9018 を転記", MY_NUMBER, "spaced hyphens"),
    Case(f"個人番号 1234{ZWSP}5678{ZWSP}9018", MY_NUMBER, "zero-width spaces"),
    Case("申請者のマイナンバーは123456789000です", MY_NUMBER, "remainder 1, check digit 0"),
    # --- credit cards ---------------------------------------------------------------------
    Case("手数料をカード 4111 1111 1111 1111 で支払いたいとの電話", CREDIT_CARD),
    Case("カード番号 5555-5555-5555-4444（有効期限 12/27）", CREDIT_CARD),
    Case("カード 4111.1111.1111.1111 で決済", CREDIT_CARD, "full stops"),
    Case("カード番号：４１１１　１１１１　１１１１　１１１１", CREDIT_CARD, "U+3000"),
    Case("JCB 3530 - 1113 - 3330 - 0000 の利用明細", CREDIT_CARD, "spaced hyphens"),
    Case(f"カード 4111{ZWSP}1111{ZWSP}1111{ZWSP}1111", CREDIT_CARD, "zero-width spaces"),
    Case("AMEX 3782-822463-10005 で支払い済み", CREDIT_CARD),
    # --- postal code and address ----------------------------------------------------------
    Case("申請者住所：〒231-0017 横浜市中区港町1-1", ADDRESS),
    Case("〒100 - 0001 東京都千代田区千代田1-1", ADDRESS, "spaced hyphen"),
    Case("〒2380041 神奈川県横須賀市本町2丁目1番地", ADDRESS),
    Case("〒330-0063 さいたま市浦和区高砂3-15-1", ADDRESS),
    # --- address without a postal code ----------------------------------------------------
    Case("住所は千代田1-1-1です", ADDRESS, "town and three numbers"),
    Case("相談者の住所は春日2-3-4です", ADDRESS),
    Case("転居前：山口3-2-1（アパート2階）", ADDRESS),
    Case("東京都千代田区千代田一丁目1番1号に住む方から相談", ADDRESS),
    Case("横浜市中区日本大通1 に転居予定", ADDRESS, "municipality, town, one number"),
    Case("港区六本木6丁目10番1号のマンションで騒音", ADDRESS),
    Case("相談者の住所：港区六本木六丁目十番一号", ADDRESS, "kanji numerals"),
    Case("申請者：横須賀市小川町11番地", ADDRESS),
    Case("大阪市北区梅田3-1-1 在住の方", ADDRESS),
    Case("札幌市中央区北1条西2丁目1番地", ADDRESS),
    Case("京都市中京区寺町通御池上る上本能寺前町488番地", ADDRESS),
    Case("本町2丁目3-4 の空き家について苦情", ADDRESS),
    Case("住所：千代田区霞が関1-2-1", ADDRESS),
    Case("丸の内2-7-2の事業所に勤務", ADDRESS),
    Case("足柄下郡箱根町仙石原1285", ADDRESS),
    Case(f"横須賀市{IDEOGRAPHIC_SPACE}小川町11", ADDRESS, "U+3000 after the city"),
    Case(f"現住所 千代田{ZWSP}1-1-1", ADDRESS, "zero-width space"),
    Case("神奈川県横浜市西区みなとみらい2-3-1", ADDRESS, "town in kana"),
    Case("葉山町堀内2135 に土地を所有", ADDRESS),
    Case("議事録：委員の自宅（緑が丘3-5-7）で開催", ADDRESS),
    Case("現住所 一丁目2番3号 ハイツ101", ADDRESS, "no place name before"),
    Case("世田谷区玉川1－2－3", ADDRESS, "full-width hyphens"),
    Case("住所 中央区銀座４丁目５", ADDRESS),
    Case("相談者は本町3丁目5番地の2にお住まい", ADDRESS),
    Case("千代田1ー1ー1", ADDRESS, "long-vowel marks"),
    Case("転居先：福岡市博多区博多駅前2-9-1", ADDRESS),
    Case("住所欄に「静岡県浜松市中区元城町103-2」と記入", ADDRESS),
    Case("所在地：横浜市中区日本大通35（中区役所）", ADDRESS, "public office: flagged"),
    Case("申請者 鈴木一郎（横須賀市公郷町3-12-5）", ADDRESS),
    Case("ご自宅（川崎市幸区堀川町580）に伺います", ADDRESS),
    Case("現住所：名古屋市中区三の丸3丁目1番1号", ADDRESS),
    Case("住所は国分1-2-3、電話は046-123-4567", ADDRESS),
    Case("山田様方 さくら町4-5-6", ADDRESS),
    # --- several kinds on one line --------------------------------------------------------
    Case("申請書：氏名 山田太郎、電話 090-1234-5678、メール taro@example.jp", PHONE),
]

BENIGN = [
    # --- place names and offices alone ----------------------------------------------------
    Case("横須賀市役所 市民課 窓口での対応マニュアルを要約してください", None),
    Case("千代田区の子育て支援について、住民向けにわかりやすく説明してください", None),
    Case("港区六本木6丁目の再開発について説明文を作成", None, "an area, not a dwelling"),
    Case("本町三丁目バス停から徒歩5分", None),
    Case("神奈川県内の市町村（33市町村）に照会しました", None),
    Case("各区役所（18区）の窓口で受け付けます", None),
    Case("対象地区：本町、大滝町、若松町", None),
    Case("会場は市役所本庁舎3階 大会議室です", None),
    Case("横浜市中区役所 会議室2", None),
    Case("中央1丁目地区の再開発", None),
    Case("本町1・2丁目の住民を対象とします", None),
    Case("1丁目から3丁目までが対象区域です", None),
    Case("1丁目1番地から10番地までが工事区域です", None, "parts of an address, no place"),
    Case("旧町名（本町一丁目〜三丁目）", None),
    Case("駅前2-3の区画整理事業", None, "two numbers, no municipality"),
    Case("横浜市中区の事例を参考にする", None),
    Case("令和7年度 第1回 横須賀市 報告1", None),
    Case("横浜市営地下鉄ブルーライン 関内駅1番出口", None),
    Case("中区役所は日本大通にあります", None),
    # --- counts, amounts, percentages -----------------------------------------------------
    Case("対象は市内の3件です。", None),
    Case("市民アンケートの回答者は1,234人でした。", None),
    Case("横浜市の人口は3,771,186人です", None),
    Case("横浜市中区の人口は約15万人", None),
    Case("横須賀市は人口約38万人の中核市です。", None),
    Case("予算額は1億2,345万円（前年度比3.5%増）です。", None),
    Case("電話での問い合わせ件数は1日平均120件", None),
    Case("1,234件のうち56件（4.5%）が再申請でした", None),
    Case("人口 1,234,567人 / 世帯 567,890世帯", None),
    Case("上位3位までを表彰します（1位5万円、2位3万円）", None),
    Case("保育園3園、幼稚園2園が対象です", None),
    Case("国民健康保険料の算定（所得割 7.5%、均等割 3万2千円）", None),
    Case("電話応対の研修（参加者 45名）", None),
    Case("港区の待機児童は0人", None),
    Case("2丁目の公園で清掃活動（参加者30人）", None),
    # --- dates and times ------------------------------------------------------------------
    Case("申請期限は2025/6/30（月）17時までです。", None),
    Case("令和7年6月30日に開催します。", None),
    Case("令和七年六月三十日付けで通知", None),
    Case("締切は6-30です。", None),
    Case("令和7-6-30 付けで施行", None),
    Case("2025-06-30 17:00 締切", None),
    Case("受付時間は8:45〜17:15です。", None),
    Case("午前9時〜午後5時（12時〜13時を除く）", None),
    Case("期間：06/30〜07/15", None),
    Case("第3回 市民会議 議事録（令和7年5月12日 14:00〜16:00）", None),
    Case("平成30年度から令和5年度までの5年間で12.5%増加", None),
    Case("税額 1,234,567円を 2025/07/31 までに納付", None),
    Case("時間 09:00-12:00/13:00-17:00", None),
    # --- document, article and section numbers --------------------------------------------
    Case("文書番号 第2025-123号 をご確認ください。", None),
    Case("総務第123号により通知します。", None),
    Case("地方自治法第3条第2項の規定により", None),
    Case("第一条第二項第三号に該当", None),
    Case("議案第45号 令和7年度横須賀市一般会計補正予算（第2号）", None),
    Case("様式第3号の2に記入", None),
    Case("資料1-2-3を参照してください。", None),
    Case("施策1-2-3 子育て支援の充実", None),
    Case("総合計画 基本目標2-1-3 安全・安心なまちづくり", None),
    Case("別表2-1-1のとおり", None),
    Case("図3-2-1 人口の推移", None),
    Case("手順1-2-3に従って操作", None),
    Case("1-2-3の手順で操作してください", None),
    Case("第2章第3節 1-2-1 基本方針", None),
    Case("ステップ1-2-3で設定", None),
    Case("市道1-2-3号線の補修工事", None),
    Case("国道16号線沿いの店舗", None),
    Case("表1-2 市区町村別の人口", None),
    Case("統計表1-1-1 年齢別人口", None),
    Case("予算書p.12の表3-2-1を参照", None),
    Case("第5次総合計画の施策2-3-1に位置づけられています", None),
    Case("都市計画道路3・4・5号線の整備", None),
    Case("予算科目コード 01-02-03-04", None),
    Case("事業番号 2025-0123-0456", None),
    Case("法人番号 4000020141003 を記載", None),
    Case("No.2025-06 庁内ポータル", None),
    # --- scores and ratios ----------------------------------------------------------------
    Case("評価は5-4-3-2-1の5段階", None),
    Case("配点5-3-2で評価する", None),
    Case("得点3-2-1で勝利", None),
    Case("10/20/30 の比率で配分", None),
    Case("相談件数 1-2-3月 合計456件", None),
    # --- numbers that are not a person's ---------------------------------------------------
    Case("市長公室 秘書課 内線2101", None),
    Case("子育て支援課 内線 3456", None),
    Case("受付番号 A-1234-5678", None),
    Case("会議ID 123 4567 8901 で参加", None),
    Case("Zoom ミーティングID 845 1234 5678", None),
    Case("IPアドレス 192.168.1.10 に接続", None),
    Case("version 2.0.1 のシステムで", None),
    Case("123456789012 は検査用の番号です", None, "check digit fails"),
    Case("4111 1111 1111 1112 はテスト用の無効な番号", None, "Luhn fails"),
    Case("受付は1階、相談は2階の201会議室", None),
    Case("A棟3階 301号室", None),
    Case("1番線と2番線", None),
    Case("窓口の番号札は1番から順にお呼びします", None),
    Case("保健福祉センター 2階 相談室3", None),
    Case("電話相談（#8000）は夜間も対応", None),
    # --- postal codes alone ---------------------------------------------------------------
    Case("郵便番号は〒231-0017です。", None),
    Case("郵便番号 231-0017 は中区の番号です", None, "particle after the postal code"),
    Case("〒231-0017 から始まる地域", None),
    # --- e-mail look-alikes ---------------------------------------------------------------
    Case("Meeting @ noon. Thanks for coming", None, "spaced @ but no domain"),
    Case("＠ＩＴの記事を要約してください", None),
    Case("送信者は user@localhost でした", None),
    Case("@mention で通知されます", None),
    # --- placeholders and form examples ---------------------------------------------------
    Case("次の文章を要約してください：{{input}}", None),
    Case("住所：{{address}} 電話：{{phone}}", None),
    Case("プロンプト：「{{ input }}」を 300 字以内で要約", None),
    Case("〇〇市〇〇町〇丁目〇番〇号 の形式で住所を記入", None),
    Case("記入例：東京都〇〇区〇〇町〇丁目〇番〇号", None),
    Case("住居表示は「〇丁目〇番〇号」の形で書きます", None),
    Case("電話番号は 0120-XXX-XXX の形式で", None),
    Case("住所欄は都道府県から番地まで省略せずに記入", None),
    Case("大字・字・番地の表記を統一する", None),
    Case("マイナンバー（12桁）の記入は不要です", None),
    Case("市役所の代表番号は広報紙に掲載されています", None),
]

CASES = PERSONAL + BENIGN
